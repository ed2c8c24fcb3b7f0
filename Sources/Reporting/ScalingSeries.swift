import Measurements

/// The training measurements of one model in one scaling mode, by rank count, with throughput,
/// parallel efficiency and the step-time breakdown. Efficiency follows docs/ARCHITECTURE.md
/// ("Metrics"): weak
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
    /// The step's compute and its communication, each timed alone in the same run
    /// (`--alone-steps`), when the record has them.
    public var computeAloneMs: Double?
    public var communicationAloneMs: Double?

    /// Step time over the larger of compute alone and communication alone: 1 is perfect
    /// overlap; no overlap at all gives (compute + communication) over that larger one.
    public var overlapRatio: Double? {
      guard let computeAloneMs, let communicationAloneMs else { return nil }
      let bound = max(computeAloneMs, communicationAloneMs)
      return bound > 0 ? stepMs / bound : nil
    }

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
  /// Batch per rank (weak) or global batch (strong), when the records have it.
  public var batch: Int?
  /// How the ranks communicated (`Record.trainingSetup`); nil for a series of one rank only.
  public var setup: String?
  /// The scaling mode, with the batch and the setup where other series of the model differ in
  /// them: "weak", "weak, batch 12", "weak, batch 12, ring, 4MiB buckets, overlap forward".
  public var variant: String
  public var baselineRanks: Int
  public var points: [Point]

  public var isWeak: Bool { scaling == "weak" }

  /// "resnet50 (weak, batch 12)".
  public var name: String { "\(model) (\(variant))" }

  /// The train records grouped into series of one model, scaling mode, batch and setup (the
  /// latest record at each rank count). One rank communicates nothing: its record is the
  /// 1-rank point of every series of its model, mode and batch.
  public static func group(_ records: [Record]) -> [ScalingSeries] {
    struct Key: Hashable {
      var model: String
      var scaling: String
      var batch: Int?
      /// The training engine (`Record.engineName`): engines' series, one rank included, stay apart.
      var engine: String
    }
    var latest: [Key: [String?: [Int: Record]]] = [:]
    for record in records where record.kind == .train {
      guard let ranks = record.ranks, record.stepMs != nil, let model = record.model else { continue }
      let scaling = record.scaling ?? "weak"
      let batch = scaling == "strong" ? record.globalBatch : record.batchPerRank
      let key = Key(model: model, scaling: scaling, batch: batch, engine: record.engineName)
      if let existing = latest[key]?[record.trainingSetup]?[ranks], existing.timestamp > record.timestamp { continue }
      latest[key, default: [:]][record.trainingSetup, default: [:]][ranks] = record
    }
    var series: [ScalingSeries] = []
    for (key, bySetup) in latest {
      let single = bySetup[nil] ?? [:]
      let setups = bySetup.keys.compactMap { $0 }
      if setups.isEmpty, let made = make(key.model, key.scaling, key.batch, nil, Array(single.values)) {
        series.append(made)
      }
      for setup in setups {
        let byRanks = single.merging(bySetup[setup]!) { one, _ in one }
        if let made = make(key.model, key.scaling, key.batch, setup, Array(byRanks.values)) { series.append(made) }
      }
    }
    for index in series.indices {
      let current = series[index]
      let siblings = series.filter { $0.model == current.model && $0.scaling == current.scaling }
      var parts = [current.scaling]
      if Set(siblings.map(\.batch)).count > 1, let batch = current.batch { parts.append("batch \(batch)") }
      if siblings.filter({ $0.batch == current.batch }).count > 1, let setup = current.setup { parts.append(setup) }
      series[index].variant = parts.joined(separator: ", ")
    }
    return series.sorted {
      ($0.model, $0.scaling, $0.batch ?? 0, $0.setup ?? "") < ($1.model, $1.scaling, $1.batch ?? 0, $1.setup ?? "")
    }
  }

  /// One series from its records (one per rank count), efficiencies against the smallest count.
  private static func make(
    _ model: String, _ scaling: String, _ batch: Int?, _ setup: String?, _ records: [Record]
  ) -> ScalingSeries? {
    let sorted = records.sorted { $0.ranks! < $1.ranks! }
    guard let base = sorted.first, let baseStep = base.stepMs?.mean, baseStep > 0 else { return nil }
    let baseRanks = Double(base.ranks!)
    let points = sorted.map { record -> Point in
      let ranks = record.ranks!
      let step = record.stepMs!.mean
      let efficiency = scaling == "strong" ? baseRanks * baseStep / (Double(ranks) * step) : baseStep / step
      let samples = record.samplesPerS ?? Double(record.globalBatch ?? 0) / (step / 1000)
      return Point(
        ranks: ranks, stepMs: step, samplesPerS: samples, efficiency: efficiency, forwardMs: record.forwardMs,
        backwardMs: record.backwardMs, allreduceMs: record.allreduceMs, exposedCommMs: record.exposedCommMs,
        commCpuMs: record.commCpuMs, updateMs: record.updateMs, computeAloneMs: record.computeAloneMs,
        communicationAloneMs: record.commAloneMs)
    }
    return ScalingSeries(
      model: model, scaling: scaling, batch: batch, setup: setup, variant: scaling, baselineRanks: base.ranks!,
      points: points)
  }
}
