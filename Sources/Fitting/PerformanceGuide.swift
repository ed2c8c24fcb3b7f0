import Kernels
import Measurements

/// The Performance Guide (`dlscale guide`): for every model, system and node count asked, one
/// row in the talk's layout (data: samples, epochs, model | hardware: system, device, count,
/// nodes, interconnect | software: engine, batch, weak/strong | hours), with the error band,
/// throughput and scaling efficiency against one device; the notes of every system; and the
/// observations (`GuideObservation`) that follow from the rows. Every figure is priced by
/// `TrainingTimePrediction` exactly as `dlscale predict --system` prices it.
public struct PerformanceGuide: Sendable {
  /// What to tabulate.
  public struct Request: Sendable {
    public var models: [String]
    public var systems: [SystemDescription]
    public var nodes: [Int]
    public var samples: Double
    public var epochs: Double
    /// Per device (weak scaling) or global (strong scaling).
    public var batch = 32
    public var strongScaling = false
    /// Only the throughput entries of this engine price compute.
    public var engine: String?
    public var deviceEfficiency = TrainingTimePrediction.defaultDeviceEfficiency

    public init(models: [String], systems: [SystemDescription], nodes: [Int], samples: Double, epochs: Double) {
      self.models = models
      self.systems = systems
      self.nodes = nodes
      self.samples = samples
      self.epochs = epochs
    }
  }

  /// One row: model × system × node count.
  public struct Row: Codable, Sendable, Equatable {
    // Data.
    public var samples: Double
    public var epochs: Double
    public var model: String
    // Hardware.
    public var system: String
    public var device: String
    /// Devices per node (the talk's "count").
    public var count: Int
    public var nodes: Int
    /// `nvlink1 + ib-edr`: the link within a node, if any, and the network between nodes.
    public var interconnect: String
    // Software.
    /// What prices compute: a throughput entry's engine, `dlscale` for a measured system,
    /// `peak FLOP/s` for a device's peak at the assumed efficiency.
    public var engine: String
    /// The batch as asked: per device (weak) or global (strong).
    public var batch: Int
    /// `weak` or `strong`.
    public var scaling: String
    // The answer.
    public var hours: Double
    /// ± percent of the hours; nil ("n/a") when a term's error is unknown, named in `unknownErrors`.
    public var errorPct: Double?
    public var unknownErrors: [String]
    public var samplesPerS: Double
    /// Throughput over (devices × one device's throughput at the same batch); nil when unknown.
    public var efficiency: Double?
    public var memoryBytes: Int?
    /// Whether a device holds the batch; nil when its memory is unknown.
    public var fitsDevice: Bool?
    /// The prediction behind the row, every field of `dlscale predict --format json`.
    public var prediction: TrainingTimePrediction.Row
  }

  /// A system's heading: its one-line description and the notes printed once above its rows.
  public struct SystemNotes: Codable, Sendable, Equatable {
    public var system: String
    public var line: String
    public var notes: [String]
  }

  /// The whole guide.
  public struct Result: Codable, Sendable, Equatable {
    public var samples: Double
    public var epochs: Double
    public var batch: Int
    public var scaling: String
    public var nodes: [Int]
    public var systems: [SystemNotes]
    public var rows: [Row]
    public var observations: [GuideObservation]
  }

  public var models: ModelsFile

  public init(models: ModelsFile) { self.models = models }

  /// How many times faster the network is in the interconnect observation.
  public static let fasterNetworkFactor = 10.0

  public func build(_ request: Request) throws -> Result {
    guard !request.models.isEmpty, !request.systems.isEmpty, !request.nodes.isEmpty else {
      throw FittingError.notCovered("the guide needs at least one model, one system and one node count")
    }
    var result = Result(
      samples: request.samples, epochs: request.epochs, batch: request.batch,
      scaling: request.strongScaling ? "strong" : "weak", nodes: request.nodes, systems: [], rows: [],
      observations: [])
    for described in request.systems {
      try add(Self.system(described, engine: request.engine), request, to: &result)
    }
    return result
  }

  /// One system's notes, rows and observations.
  func add(_ system: SystemDescription, _ request: Request, to result: inout Result) throws {
    var notes: [String] = []
    var counts = request.nodes
    if let limit = system.nodes, counts.contains(where: { $0 > limit }) {
      let dropped = counts.filter { $0 > limit }.map(String.init).joined(separator: ", ")
      counts = counts.filter { $0 <= limit }
      if counts.isEmpty { counts = [limit] }
      notes.append("\(system.name) has \(limit) nodes: \(dropped) left out")
    }
    let largest = counts.max()!
    let predictor = TrainingTimePrediction(models: models)
    var figures: [GuideObservation.ModelFigures] = []
    var memory: [GuideObservation.ModelMemory] = []
    for model in request.models {
      let base = prediction(request, model: model, system: system)
      let predicted = try predictor.predict(base, nodes: counts)
      notes = Self.merged(notes, PredictionNotes.lines(models, request: base, rows: predicted))
      let oneDevice = try predictor.predict(
        prediction(request, model: model, system: Self.oneDevice(system)), nodes: [1]
      ).first?.samplesPerS
      let rows = predicted.map { row in
        Row(
          samples: request.samples, epochs: request.epochs, model: model, system: system.name,
          device: system.device.name, count: system.devicesPerNode, nodes: row.nodes,
          interconnect: Self.interconnect(system),
          engine: Self.engine(
            system, model: model, batch: request.batch, fitted: models.hasCompute(for: model)),
          batch: request.batch, scaling: request.strongScaling ? "strong" : "weak", hours: row.hours,
          errorPct: row.errorPct, unknownErrors: row.unknownErrors, samplesPerS: row.samplesPerS,
          efficiency: oneDevice.flatMap { $0 > 0 ? row.samplesPerS / (Double(row.ranks) * $0) : nil },
          memoryBytes: row.memoryBytes, fitsDevice: row.fitsDevice, prediction: row)
      }
      result.rows += rows
      let widest = rows.first { $0.nodes == largest }!
      // The same system with a faster network; a measured system's allreduces come from its fits.
      let fasterHours =
        largest > 1 && !system.measured
        ? try predictor.predict(
          prediction(request, model: model, system: Self.fasterNetwork(system)), nodes: [largest]
        ).first?.hours : nil
      let summary = try Zoo.spec(named: model).summary()
      figures.append(
        GuideObservation.ModelFigures(
          model: model,
          computePerGradientByte: GuideMeasure.computePerGradientByte(
            forwardMACs: summary.forwardMACs, batchPerDevice: widest.prediction.batchPerRank,
            gradientBytes: summary.gradientBytes),
          nodes: largest, efficiency: widest.efficiency, hours: widest.hours, fasterHours: fasterHours))
      if let deviceBytes = system.device.memoryBytes {
        memory.append(try Self.memory(of: model, fitting: deviceBytes))
      }
    }
    result.systems.append(SystemNotes(system: system.name, line: system.line, notes: notes))
    result.observations.append(GuideObservation.scaling(system: system.name, figures))
    if system.measured {
      result.observations.append(
        GuideObservation(
          kind: .interconnect, system: system.name, verdict: .omitted,
          statement:
            "\(system.name) is measured: its allreduces are priced from the fits in models.json, not from a described network to make faster",
          figures: []))
    } else {
      result.observations.append(
        GuideObservation.interconnect(
          system: system.name, link: system.interNode.text, faster: Self.fasterNetwork(system).interNode.text,
          figures))
    }
    result.observations.append(
      GuideObservation.memory(
        system: system.name, device: system.device.name, deviceBytes: system.device.memoryBytes, memory))
  }

  /// The largest batch of `model` a device of `deviceBytes` holds, and what the model itself
  /// (weights, gradients, momentum, buckets: what does not grow with the batch) takes.
  static func memory(of model: String, fitting deviceBytes: Int) throws -> GuideObservation.ModelMemory {
    let spec = try Zoo.spec(named: model)
    let fixed = try MemoryEstimate(spec: spec, batch: 1)
    return GuideObservation.ModelMemory(
      model: model,
      largestBatch: try GuideMeasure.largestBatch(fitting: deviceBytes) {
        try MemoryEstimate(spec: spec, batch: $0).totalBytes
      },
      modelBytes: fixed.weightsBytes + fixed.gradientsBytes + fixed.optimizerBytes + fixed.bucketsBytes)
  }

  /// The prediction request of one model on one system, as `dlscale predict --system` makes it.
  func prediction(_ request: Request, model: String, system: SystemDescription) -> TrainingTimePrediction.Request {
    var prediction = TrainingTimePrediction.Request(model: model, samples: request.samples, epochs: request.epochs)
    prediction.batch = request.batch
    prediction.strongScaling = request.strongScaling
    // dlscale train's defaults, as `dlscale predict` takes them when not told.
    prediction.overlap = IterationModel.Overlap(rawValue: TrainingOptions.defaultOverlap.rawValue) ?? .on
    prediction.bucketBytes = TrainingOptions.defaultBucketBytes
    prediction.system = system
    prediction.ranksPerNode = system.devicesPerNode
    prediction.deviceEfficiency = request.deviceEfficiency
    prediction.deviceMemoryBytes = system.device.memoryBytes
    return prediction
  }

  /// The notes of one system over several models, each said once: a line's parts (separated
  /// by "; " outside parentheses) already said by an earlier line are left out of it, and a
  /// line with nothing new is dropped. The second model's line then says only its own compute.
  static func merged(_ notes: [String], _ lines: [String]) -> [String] {
    var merged = notes
    var said = Set(notes.flatMap(parts))
    for line in lines {
      let new = parts(line).filter { !said.contains($0) }
      guard !new.isEmpty else { continue }
      said.formUnion(new)
      merged.append(new.joined(separator: "; "))
    }
    return merged
  }

  /// `a; b (c; d); e` → `a`, `b (c; d)`, `e`.
  static func parts(_ line: String) -> [String] {
    var parts: [String] = []
    var current = ""
    var depth = 0
    var characters = line[...]
    while let character = characters.first {
      if character == "(" { depth += 1 }
      if character == ")" { depth = max(depth - 1, 0) }
      if depth == 0, characters.hasPrefix("; ") {
        parts.append(current)
        current = ""
        characters = characters.dropFirst(2)
        continue
      }
      current.append(character)
      characters = characters.dropFirst()
    }
    parts.append(current)
    return parts.filter { !$0.isEmpty }
  }

  /// `system` with only the throughput entries of `engine` (all without one).
  static func system(_ system: SystemDescription, engine: String?) -> SystemDescription {
    guard let engine else { return system }
    var filtered = system
    filtered.throughput = system.throughput.filter { $0.engine?.lowercased() == engine.lowercased() }
    return filtered
  }

  /// One device of `system`: the baseline of scaling efficiency.
  static func oneDevice(_ system: SystemDescription) -> SystemDescription {
    var single = system
    single.devicesPerNode = 1
    single.intraNode = nil
    single.nodes = nil
    return single
  }

  /// `system` with a network between nodes `fasterNetworkFactor` times faster, latency kept.
  static func fasterNetwork(_ system: SystemDescription) -> SystemDescription {
    var faster = system
    faster.interNode.name = "\(system.interNode.name) ×\(GuideNumber.ratio(fasterNetworkFactor))"
    faster.interNode.bytesPerS = system.interNode.bytesPerS * fasterNetworkFactor
    faster.interNode.source = "\(system.interNode.source); rate × \(GuideNumber.ratio(fasterNetworkFactor))"
    return faster
  }

  static func interconnect(_ system: SystemDescription) -> String {
    (system.intraNode.map { "\($0.name) + " } ?? "") + system.interNode.name
  }

  /// What prices compute for `model` on `system`, as `TrainingTimePrediction` chooses it: the
  /// measured fits, the throughput entry nearest the batch asked (its engine), or the device's
  /// peak (a measured system whose compute was not measured uses its description too).
  static func engine(_ system: SystemDescription, model: String, batch: Int, fitted: Bool) -> String {
    if system.measured && fitted { return "dlscale" }
    if let entry = system.throughput(model: model, batch: batch) {
      return entry.engine ?? "throughput given"
    }
    return "peak FLOP/s"
  }
}
