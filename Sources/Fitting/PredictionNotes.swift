import Measurements

/// The lines printed above a prediction when it should be trusted less: one when it goes beyond
/// what was measured (`measured on 1 host over shared memory; 64 nodes is 16× the largest count
/// measured (4 ranks)`), one naming the fits it uses whose held-out error exceeds 50%.
public enum PredictionNotes {
  /// Held-out errors above this many percent are named.
  public static let highErrorPct = 50.0

  public static func lines(
    _ models: ModelsFile, request: TrainingTimePrediction.Request, rows: [TrainingTimePrediction.Row]
  ) -> [String] {
    let cpu = communicationCPU(models, request: request, rows: rows)
    if let system = request.system, !system.measured {
      return [described(system, models, request: request), cpu].compactMap { $0 }
    }
    let measuredSystem = request.system.map { system in
      // Compute comes from the system's description when models.json has none for the model.
      let described =
        request.sampleTimeMs == nil && !models.hasCompute(for: request.model)
        ? describedCompute(system, request: request).map {
          "no compute measured: device \(system.device.name) from \(system.device.source); \($0)"
        } : nil
      guard models.provenance?.transport != .network else {
        guard let described else {
          return
            "system \(system.name), a measured one: compute and allreduces from the fits in models.json, \(system.devicesPerNode) ranks per node"
        }
        return
          "system \(system.name), a measured one: allreduces from the fits in models.json, \(system.devicesPerNode) ranks per node; \(described)"
      }
      let within =
        (models.communication.isEmpty && models.links == nil)
        ? (system.intraNode.map { "within a node \($0.text) from its description (\($0.source))" }
          ?? "one rank per node") : "within a node the shared memory measured"
      return
        "system \(system.name), a measured one: \(described ?? "compute from the fits in models.json"), \(system.devicesPerNode) ranks per node; no network measured: between nodes \(system.interNode.text) from its description (\(system.interNode.source)); \(within)"
    }
    return [
      measuredSystem, extrapolation(models, request: request, rows: rows), levels(models, request: request, rows: rows),
      cpu, highErrors(models, request: request, rows: rows),
    ]
    .compactMap { $0 }
  }

  /// The assumptions behind a prediction for a described system, one clause each: where the
  /// device, the compute, the links and γ come from.
  static func described(_ system: SystemDescription, _ models: ModelsFile, request: TrainingTimePrediction.Request)
    -> String
  {
    var parts = [
      "system \(system.name) described, not measured", "device \(system.device.name) from \(system.device.source)",
    ]
    if let sampleTime = request.sampleTimeMs {
      parts.append("compute from the given \(ModelsNumber.format(sampleTime)) ms per sample")
    } else if let compute = describedCompute(system, request: request) {
      parts.append(compute)
    }
    if request.computeSpeed != 1 { parts.append("compute speed × \(ModelsNumber.format(request.computeSpeed)) given") }
    var links: [String] = []
    if let intra = system.intraNode { links.append("\(intra.text) within a node (\(intra.source))") }
    links.append("\(system.interNode.text) between nodes (\(system.interNode.source))")
    parts.append("links: " + links.joined(separator: ", "))
    if let gamma = models.communication.first?.gammaSPerByte, gamma > 0 {
      parts.append("γ \(gamma) s/byte from models.json")
    } else {
      parts.append("γ 0: no reduction cost fitted")
    }
    return parts.joined(separator: "; ")
  }

  /// Where a system's own description puts its compute: its throughput entry for the model,
  /// else its device's peak; nil when it has neither.
  static func describedCompute(_ system: SystemDescription, request: TrainingTimePrediction.Request) -> String? {
    if let entry = system.throughput(model: request.model, batch: request.batch) {
      let engine = entry.engine.map { " (\($0))" } ?? ""
      let source = entry.source.map { ", \($0)" } ?? ""
      return
        "compute from throughput \(entry.model) batch \(entry.batch)\(engine): \(ModelsNumber.format(entry.samplesPerS)) samples/s\(source), time per sample assumed the same at every batch"
    }
    guard let peak = system.device.peakFlops else { return nil }
    let percent = Int((request.deviceEfficiency * 100).rounded())
    return
      "compute from peak \(FlopRate.format(peak)) at \(percent)% assumed efficiency (--device-efficiency), 6 FLOP per forward MAC per sample"
  }

  /// The CPU that communication takes from compute, when rows of several ranks price it
  /// (`TrainingTimePrediction.communicationCPU`); nil otherwise.
  static func communicationCPU(
    _ models: ModelsFile, request: TrainingTimePrediction.Request, rows: [TrainingTimePrediction.Row]
  ) -> String? {
    guard rows.contains(where: { $0.ranks > 1 }),
      let (cost, cores) = TrainingTimePrediction(models: models).communicationCPU(request)
    else { return nil }
    let error = cost.mape.map { "held-out error \(ModelsNumber.format($0))%" } ?? "no held-out error"
    let perByte = (cost.cpuSPerByte * 1e12).rounded() / 1e3
    return
      "communication's CPU comes out of compute: \(perByte) ns of CPU per byte sent (measured on \(cost.measuredOn); \(error)), on \((cores * 1000).rounded() / 1000) cores per rank"
  }

  /// How the measured machine's two levels were priced, when rows put several ranks on each of
  /// several nodes; nil otherwise.
  static func levels(
    _ models: ModelsFile, request: TrainingTimePrediction.Request, rows: [TrainingTimePrediction.Row]
  ) -> String? {
    guard let measured = models.provenance, rows.contains(where: { $0.nodes > 1 }) else { return nil }
    // A measured system whose network was not measured says how it priced it in its own line.
    if let system = request.system, system.measured, measured.transport != .network { return nil }
    let given = request.linkBytesPerS != nil || request.latencyS != nil
    let between =
      measured.transport == .network
      ? (given ? "between nodes: the given link" : "between nodes: the network measured")
      : (given
        ? "between nodes: the given link" : "between nodes: no network measured, priced as the shared memory measured")
    let within =
      measured.transport == .sharedMemory
      ? "within a node: the shared memory measured"
      : (models.communicationWithinHost?.isEmpty == false
        ? "within a node: the allreduces measured on one host"
        : models.links?.withinHost != nil
          ? "within a node: the p2p links between ranks of one host"
          : "within a node: no shared memory measured, priced as the network measured")
    guard rows.contains(where: { $0.nodes > 1 && $0.devicesPerNode > 1 }) else { return nil }
    return "allreduce \(within); \(between)"
  }

  /// Where the rows go beyond the measured hosts, rank counts and batches; nil when they do not.
  static func extrapolation(
    _ models: ModelsFile, request: TrainingTimePrediction.Request, rows: [TrainingTimePrediction.Row]
  ) -> String? {
    guard let widest = rows.max(by: { ($0.ranks, $0.nodes) < ($1.ranks, $1.nodes) }) else { return nil }
    guard let measured = models.provenance else {
      return "the models file does not record what was measured (fit it again); extrapolation unknown"
    }
    var beyond: [String] = []
    let nodes = "\(widest.nodes) node\(widest.nodes == 1 ? "" : "s")"
    let largest = measured.rankCounts.max() ?? 1
    if widest.ranks > largest {
      let ratio = ModelsNumber.format(Double(widest.ranks) / Double(largest))
      let what = widest.ranks == widest.nodes ? nodes : "\(nodes) × \(request.ranksPerNode) ranks"
      beyond.append(
        "\(what) is \(ratio)× the largest count measured (\(largest) rank\(largest == 1 ? "" : "s"))")
    } else if widest.nodes > measured.hosts {
      beyond.append("\(nodes) span more hosts than measured")
    }
    let batches = Set(rows.map(\.batchPerRank))
    if request.sampleTimeMs == nil, let low = measured.batches.min(), let high = measured.batches.max(),
      let outside = batches.sorted().first(where: { $0 < Double(low) || $0 > Double(high) })
    {
      let range = low == high ? "\(low)" : "\(low)–\(high)"
      beyond.append("batch \(ModelsNumber.format(outside)) per rank is outside the batches measured (\(range))")
    }
    guard !beyond.isEmpty else { return nil }
    return "measured on \(measured.text); " + beyond.joined(separator: "; ")
  }

  /// The fits the rows use whose held-out error exceeds `highErrorPct`; nil when none does.
  static func highErrors(
    _ models: ModelsFile, request: TrainingTimePrediction.Request, rows: [TrainingTimePrediction.Row]
  ) -> String? {
    var fits: [(String, Double?)] = []
    if request.sampleTimeMs == nil {
      if let step = models.step(for: request.model) {
        fits.append(("compute of \(request.model)", step.mape))
      } else if let kernels = models.compute.kernels {
        fits.append(("kernel compute", kernels.stepMape ?? kernels.regressionMape))
      }
    }
    if request.linkBytesPerS == nil && request.latencyS == nil {
      for algorithm in Set(rows.filter { $0.ranks > 1 }.map(\.algorithm)).sorted() {
        let fitted = models.communication(for: algorithm)
        fits.append(("allreduce \(algorithm)", fitted?.mape ?? models.links?.mape))
      }
    }
    if request.interference == nil, let interference = TrainingTimePrediction(models: models).interference(request) {
      fits.append(("interference", interference.mape))
    }
    if rows.contains(where: { $0.ranks > 1 }),
      let cpu = TrainingTimePrediction(models: models).communicationCPU(request)
    {
      fits.append(("communication CPU", cpu.cost.mape))
    }
    let high = fits.compactMap { name, mape in
      mape.flatMap { $0 > highErrorPct ? "\(name) \(ModelsNumber.format($0))%" : nil }
    }
    return high.isEmpty
      ? nil : "held-out error above \(ModelsNumber.format(highErrorPct))%: " + high.joined(separator: ", ")
  }
}

/// Numbers in note lines: integers as such, others to at most one decimal.
enum ModelsNumber {
  static func format(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
  }
}
