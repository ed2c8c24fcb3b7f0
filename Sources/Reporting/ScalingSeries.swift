import Measurements

/// The training measurements of one model in one scaling mode, by rank count, with throughput,
/// parallel efficiency and the step-time breakdown. Efficiency follows DESIGN.md: weak
/// E(P) = t(1)/t(P), strong E(P) = t(1)/(P·t(P)), t the mean step time. Without a one-rank
/// point the smallest rank count P₀ is the baseline: weak t(P₀)/t(P), strong P₀·t(P₀)/(P·t(P)).
public struct ScalingSeries: Sendable {
  public struct Point: Sendable {
    public var ranks: Int
    public var stepMs: Double
    public var samplesPerS: Double
    public var efficiency: Double
    public var forwardMs: Double?
    public var backwardMs: Double?
    public var allreduceMs: Double?
    public var exposedCommMs: Double?
    /// The communication thread's CPU time per step (records that have it).
    public var commCpuMs: Double?
    public var updateMs: Double?

    /// (forward + backward) / allreduce: how much compute there is to hide each byte behind.
    public var computeToCommunication: Double? {
      guard let forwardMs, let backwardMs, let allreduceMs, allreduceMs > 0 else { return nil }
      return (forwardMs + backwardMs) / allreduceMs
    }

    /// Exposed communication as a fraction of the step.
    public var exposedFraction: Double? {
      guard let exposedCommMs, stepMs > 0 else { return nil }
      return exposedCommMs / stepMs
    }
  }

  public var model: String
  public var scaling: String
  public var baselineRanks: Int
  public var points: [Point]

  public var isWeak: Bool { scaling == "weak" }

  public static func group(_ records: [Record]) -> [ScalingSeries] {
    var latest: [String: [Int: Record]] = [:]
    for record in records where record.kind == .train {
      guard let ranks = record.ranks, record.stepMs != nil, record.model != nil else { continue }
      let key = "\(record.model!)\u{0}\(record.scaling ?? "weak")"
      if let existing = latest[key]?[ranks], existing.timestamp > record.timestamp { continue }
      latest[key, default: [:]][ranks] = record
    }
    return latest.values.compactMap { byRanks -> ScalingSeries? in
      let sorted = byRanks.values.sorted { $0.ranks! < $1.ranks! }
      guard let base = sorted.first, let baseStep = base.stepMs?.mean, baseStep > 0 else { return nil }
      let scaling = base.scaling ?? "weak"
      let baseRanks = Double(base.ranks!)
      let points = sorted.map { record -> Point in
        let ranks = record.ranks!
        let step = record.stepMs!.mean
        let efficiency = scaling == "strong" ? baseRanks * baseStep / (Double(ranks) * step) : baseStep / step
        let samples = record.samplesPerS ?? Double(record.globalBatch ?? 0) / (step / 1000)
        return Point(
          ranks: ranks, stepMs: step, samplesPerS: samples, efficiency: efficiency, forwardMs: record.forwardMs,
          backwardMs: record.backwardMs, allreduceMs: record.allreduceMs, exposedCommMs: record.exposedCommMs,
          commCpuMs: record.commCpuMs, updateMs: record.updateMs)
      }
      return ScalingSeries(model: base.model!, scaling: scaling, baselineRanks: base.ranks!, points: points)
    }.sorted { ($0.model, $0.scaling) < ($1.model, $1.scaling) }
  }
}
