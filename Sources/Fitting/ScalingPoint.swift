import Measurements

/// Measured throughput at one rank count, and the curves it belongs to: `train` records grouped
/// by model, scaling mode and batch (per rank for weak scaling, global for strong), several
/// records at one rank count averaged.
public struct ScalingPoint: Sendable, Equatable, Codable {
  public var ranks: Int
  public var samplesPerS: Double

  public init(ranks: Int, samplesPerS: Double) {
    self.ranks = ranks
    self.samplesPerS = samplesPerS
  }

  /// One measured curve.
  public struct Curve: Sendable, Equatable {
    public var model: String
    public var scaling: String
    /// Batch per rank (weak) or global batch (strong).
    public var batch: Int
    public var points: [ScalingPoint]
  }

  public static func curves(from records: [Record]) -> [Curve] {
    var sums: [String: (curve: Curve, totals: [Int: (Double, Int)])] = [:]
    for record in records {
      guard record.kind == .train, let model = record.model, let ranks = record.ranks, ranks >= 1,
        let throughput = record.samplesPerS, throughput > 0, throughput.isFinite
      else { continue }
      let scaling = record.scaling ?? "weak"
      guard let batch = scaling == "strong" ? record.globalBatch : record.batchPerRank else { continue }
      let key = "\(model)|\(scaling)|\(batch)"
      var entry = sums[key] ?? (Curve(model: model, scaling: scaling, batch: batch, points: []), [:])
      let total = entry.totals[ranks] ?? (0, 0)
      entry.totals[ranks] = (total.0 + throughput, total.1 + 1)
      sums[key] = entry
    }
    return sums.keys.sorted().map { key in
      var curve = sums[key]!.curve
      curve.points = sums[key]!.totals.keys.sorted().map { ranks in
        let (sum, count) = sums[key]!.totals[ranks]!
        return ScalingPoint(ranks: ranks, samplesPerS: sum / Double(count))
      }
      return curve
    }
  }
}

/// A fitted speedup law S(N) = thr(N) / thr(1).
public protocol ScalingLaw: Sendable {
  func speedup(ranks: Int) -> Double
}

extension Array where Element == ScalingPoint {
  /// The 1-rank throughput and the speedups of the other points; throws without a 1-rank point.
  func speedups(model: String) throws -> (baseline: Double, points: [(ranks: Double, speedup: Double)]) {
    guard let baseline = first(where: { $0.ranks == 1 })?.samplesPerS else {
      throw FittingError.invalidPoint(model: model, detail: "needs a 1-rank measurement as the baseline")
    }
    let others = filter { $0.ranks > 1 }.map { (ranks: Double($0.ranks), speedup: $0.samplesPerS / baseline) }
    return (baseline, others)
  }
}
