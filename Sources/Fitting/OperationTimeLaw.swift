import Foundation
import Measurements

/// Time as a power law of work per operation and pass, piecewise for memory-bound ops; the prior
/// the kernel regression corrects (it learns log(time / this)).
///
/// For each op and pass, log t = a + b·log(FLOPs + 1) + c·log(bytes + 1), and for a memory-bound
/// op also + Σₖ dₖ·max(0, log(bytes + 1) − k) over the knots k = 0, 1, …, 29 (a hinge at every
/// e-fold of bytes), so that its rate can change where its data outgrows a cache level: on the
/// machine this was written on, ReLU streams 75 GB/s while its data fits in L2 and 28 GB/s
/// beyond, a step that one rate, or one power law, misprices by tens of percent on either side.
/// An op is memory-bound when its median FLOPs per byte is below the machine balance (peak FLOP/s
/// over bandwidth of the roofline of all samples). Compute-bound ops (convolutions) keep the
/// plain power law: their time follows their GEMMs' shapes, which the regression reads, not
/// their bytes.
///
/// The coefficients are fitted to that op's samples by ridge regression on log time (squared
/// relative error), the penalty `ridge` on every coefficient but the intercept; an op with fewer
/// than `minimumSamples` samples, or whose fit does not solve, is priced by `OperationRoofline`.
public struct OperationTimeLaw: Codable, Sendable, Equatable {
  /// One op's law: `coefficients` multiply log(FLOPs + 1), log(bytes + 1), then the hinge of
  /// each of `knots`; t in seconds.
  public struct Law: Codable, Sendable, Equatable {
    public var intercept: Double
    public var coefficients: [Double]
    /// The hinge positions in log bytes; empty for a compute-bound op.
    public var knots: [Double]

    static func columns(flops: Double, bytes: Double, knots: [Double]) -> [Double] {
      let logBytes = Foundation.log(bytes + 1)
      return [Foundation.log(flops + 1), logBytes] + knots.map { Swift.max(0, logBytes - $0) }
    }

    public func seconds(flops: Double, bytes: Double) -> Double {
      let columns = Self.columns(flops: flops, bytes: bytes, knots: knots)
      return Foundation.exp(intercept + zip(coefficients, columns).map(*).reduce(0, +))
    }
  }

  /// The fitted laws by `OperationRoofline.key`.
  public var operations: [String: Law]
  /// Prices the ops with too few samples for a law.
  public var fallback: OperationRoofline

  static let minimumSamples = 5
  static let ridge = 0.1
  static let memoryKnots = (0..<30).map(Double.init)

  public static func fit(_ samples: [KernelSample]) throws -> OperationTimeLaw {
    let fallback = try OperationRoofline.fit(samples)
    let balance = fallback.overall.peakFlopsPerS / fallback.overall.bandwidthBytesPerS
    var operations: [String: Law] = [:]
    let byOperation = Dictionary(grouping: samples) { OperationRoofline.key(op: $0.op, pass: $0.pass) }
    for (name, own) in byOperation where own.count >= minimumSamples {
      let intensity = Summary.percentile(own.map { $0.flops / Swift.max($0.bytesMoved, 1) }.sorted(), 0.5)
      operations[name] = law(own, knots: intensity < balance ? memoryKnots : [])
    }
    return OperationTimeLaw(operations: operations, fallback: fallback)
  }

  /// The ridge fit of one op's samples on centred columns (so that the intercept is not
  /// penalised); nil if it does not solve.
  static func law(_ samples: [KernelSample], knots: [Double]) -> Law? {
    let rows = samples.map { Law.columns(flops: $0.flops, bytes: $0.bytesMoved, knots: knots) }
    let values = samples.map { Foundation.log($0.seconds) }
    let width = 2 + knots.count
    let count = Double(samples.count)
    let means = (0..<width).map { column in rows.map { $0[column] }.reduce(0, +) / count }
    let meanValue = values.reduce(0, +) / count
    var normal = [Double](repeating: 0, count: width * width)
    var rightSide = [Double](repeating: 0, count: width)
    for column in 0..<width { normal[column * width + column] = ridge }
    for (row, value) in zip(rows, values) {
      let centred = zip(row, means).map { $0 - $1 }
      for a in 0..<width {
        rightSide[a] += centred[a] * (value - meanValue)
        for b in 0...a { normal[a * width + b] += centred[a] * centred[b] }
      }
    }
    guard let coefficients = CholeskySolver.solve(symmetric: normal, size: width, rightSide: rightSide),
      coefficients.allSatisfy(\.isFinite)
    else { return nil }
    let intercept = meanValue - zip(coefficients, means).map(*).reduce(0, +)
    return Law(intercept: intercept, coefficients: coefficients, knots: knots)
  }

  /// The predicted time, floored at a picosecond so that its logarithm is finite.
  public func seconds(_ sample: KernelSample) -> Double {
    guard let law = operations[OperationRoofline.key(op: sample.op, pass: sample.pass)] else {
      return fallback.seconds(sample)
    }
    let seconds = law.seconds(flops: sample.flops, bytes: sample.bytesMoved)
    return seconds.isFinite ? Swift.max(seconds, 1e-12) : fallback.seconds(sample)
  }
}
