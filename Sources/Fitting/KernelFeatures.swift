import Foundation

/// The features the compute regression reads from a kernel: log FLOPs, log bytes moved, the log
/// of each shape dimension (n, c, h, w, k, s, o, g), and one-hot op and pass; every column then
/// standardised with the training set's mean and standard deviation. The target is log time.
public struct KernelFeatures: Codable, Sendable, Equatable {
  public static let dimensionKeys = ["n", "c", "h", "w", "k", "s", "o", "g"]

  public var ops: [String]
  public var passes: [String]
  public var means: [Double]
  public var deviations: [Double]

  /// Learns the op and pass vocabularies and the column statistics from training samples.
  public init(training samples: [KernelSample]) {
    ops = Set(samples.map(\.op)).sorted()
    passes = Set(samples.map(\.pass)).sorted()
    means = []
    deviations = []
    let raw = samples.map(rawFeatures)
    let width = raw.first?.count ?? 0
    for column in 0..<width {
      let values = raw.map { $0[column] }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
      means.append(mean)
      deviations.append(variance > 1e-24 ? variance.squareRoot() : 1)
    }
  }

  func rawFeatures(_ sample: KernelSample) -> [Double] {
    let dimensions = sample.dimensions
    var row = [Foundation.log(sample.flops + 1), Foundation.log(sample.bytesMoved + 1)]
    row += Self.dimensionKeys.map { Foundation.log(dimensions[$0] ?? 1) }
    row += ops.map { $0 == sample.op ? 1 : 0 }
    row += passes.map { $0 == sample.pass ? 1 : 0 }
    return row
  }

  /// The standardised feature row of a sample.
  public func features(_ sample: KernelSample) -> [Double] {
    zip(rawFeatures(sample), zip(means, deviations)).map { ($0 - $1.0) / $1.1 }
  }
}
