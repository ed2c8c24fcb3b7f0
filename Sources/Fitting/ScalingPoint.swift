import Measurements

/// Measured throughput at one rank count, and the curves it belongs to: `train` records grouped
/// by model, scaling mode, batch (per rank for weak scaling, global for strong) and the way the
/// ranks communicated (`Record.trainingSetup`), several records at one rank count averaged.
/// One rank communicates nothing: its records are the 1-rank point of every curve of their
/// model, scaling mode and batch.
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
    /// How the ranks communicated (`Record.trainingSetup`); nil for a curve of one rank only.
    public var setup: String?
    public var points: [ScalingPoint]
  }

  public static func curves(from records: [Record]) -> [Curve] {
    struct Key: Hashable, Comparable {
      var model: String
      var scaling: String
      var batch: Int
      /// The training engine (`Record.engineName`): engines' curves, one rank included, stay apart.
      var engine: String
      static func < (lhs: Key, rhs: Key) -> Bool {
        (lhs.model, lhs.scaling, lhs.batch, lhs.engine) < (rhs.model, rhs.scaling, rhs.batch, rhs.engine)
      }
    }
    /// Per curve key and setup (nil: one rank), per rank count: the sum and count of throughputs.
    var totals: [Key: [String?: [Int: (sum: Double, count: Int)]]] = [:]
    for record in records {
      guard record.kind == .train, let model = record.model, let ranks = record.ranks, ranks >= 1,
        let throughput = record.samplesPerS, throughput > 0, throughput.isFinite
      else { continue }
      let scaling = record.scaling ?? "weak"
      guard let batch = scaling == "strong" ? record.globalBatch : record.batchPerRank else { continue }
      let key = Key(model: model, scaling: scaling, batch: batch, engine: record.engineName)
      let total = totals[key, default: [:]][record.trainingSetup, default: [:]][ranks] ?? (0, 0)
      totals[key, default: [:]][record.trainingSetup, default: [:]][ranks] = (total.sum + throughput, total.count + 1)
    }
    func points(_ byRanks: [Int: (sum: Double, count: Int)]) -> [ScalingPoint] {
      byRanks.keys.sorted().map { ScalingPoint(ranks: $0, samplesPerS: byRanks[$0]!.sum / Double(byRanks[$0]!.count)) }
    }
    return totals.keys.sorted().flatMap { key -> [Curve] in
      let bySetup = totals[key]!
      let single = points(bySetup[nil] ?? [:])
      let setups = bySetup.keys.compactMap { $0 }.sorted()
      guard !setups.isEmpty else {
        return [Curve(model: key.model, scaling: key.scaling, batch: key.batch, setup: nil, points: single)]
      }
      return setups.map { setup in
        Curve(
          model: key.model, scaling: key.scaling, batch: key.batch, setup: setup,
          points: single + points(bySetup[setup]!))
      }
    }
  }
}

/// A fitted speedup law S(N) = thr(N) / thr(1).
public protocol ScalingLaw: Sendable {
  /// The speedup over one rank at `ranks` (a real number, so that curves are smooth between
  /// rank counts).
  func speedup(ranks: Double) -> Double
}

extension ScalingLaw {
  public func speedup(ranks: Int) -> Double { speedup(ranks: Double(ranks)) }

  /// Parallel efficiency, speedup over ranks.
  public func efficiency(ranks: Double) -> Double { speedup(ranks: ranks) / ranks }
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
