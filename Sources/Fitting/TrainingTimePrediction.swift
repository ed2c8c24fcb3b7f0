import Kernels
import Measurements

/// Time to train a zoo model on a number of nodes, from models.json: the iteration model with the
/// fitted compute and allreduce models, throughput P·b / T(P), hours = samples × epochs /
/// throughput, and an error band from the models' held-out MAPEs (each side's MAPE weighted by
/// its share of the step). A term without a known error (no held-out MAPE, or replaced by a
/// given value) makes the band unknown (nil, printed "n/a"), and the row names that term.
/// κ (`CommunicationInterference`) is applied only as measured across hosts on the measured
/// system (no link, latency or compute override), or as given with `interference`.
public struct TrainingTimePrediction: Sendable {
  /// What to predict.
  public struct Request: Sendable {
    public var model: String
    public var samples: Double
    public var epochs: Double
    public var ranksPerNode = 1
    /// Per rank (weak scaling) or global (strong scaling).
    public var batch = 32
    public var strongScaling = false
    /// Nil: the fastest fitted algorithm at each node count.
    public var algorithm: String?
    public var bucketBytes = TrainingOptions.defaultBucketBytes
    public var overlap = IterationModel.Overlap.on
    /// Overrides of the fitted β (as a link rate, bytes/s) and α (seconds).
    public var linkBytesPerS: Double?
    public var latencyS: Double?
    /// Compute (and update) time divided by this.
    public var computeSpeed = 1.0
    /// Forward + backward milliseconds per sample, instead of a fitted compute model.
    public var sampleTimeMs: Double?
    /// κ instead of the fitted one (ms of compute added per ms of hidden communication).
    public var interference: Double?

    /// `dlscale train`'s overlap mode, which `dlscale predict` prices when not told another.
    public static var trainingOverlap: IterationModel.Overlap {
      IterationModel.Overlap(rawValue: TrainingOptions.defaultOverlap.rawValue) ?? .on
    }

    /// Whether the request describes another system than the one measured.
    public var replacesMeasuredSystem: Bool {
      linkBytesPerS != nil || latencyS != nil || computeSpeed != 1 || sampleTimeMs != nil
        || system.map { !$0.measured } == true
    }
    /// A device's memory in bytes: rows whose per-rank memory exceeds it are marked as not fitting.
    public var deviceMemoryBytes: Int?
    /// The system to answer for (nil: the measured machine as models.json describes it). Its
    /// links price the allreduce within and between nodes; an unmeasured system's compute comes
    /// from its throughput entries, else its device's peak at `deviceEfficiency`.
    public var system: SystemDescription?
    /// The share of a device's peak FLOP/s training is assumed to reach when compute is priced
    /// from the peak (no measurement, no throughput entry).
    public var deviceEfficiency = TrainingTimePrediction.defaultDeviceEfficiency

    public init(model: String, samples: Double, epochs: Double) {
      self.model = model
      self.samples = samples
      self.epochs = epochs
    }
  }

  /// One node count's prediction.
  public struct Row: Codable, Sendable, Equatable {
    public var nodes: Int
    public var ranks: Int
    public var algorithm: String
    public var batchPerRank: Double
    public var globalBatch: Double
    public var bucketBytes: Int
    /// The `--overlap` mode priced: off, on or forward.
    public var overlap: String
    public var hours: Double
    public var samplesPerS: Double
    public var stepMs: Double
    public var computeMs: Double
    public var allreduceMs: Double
    public var exposedCommMs: Double
    public var updateMs: Double
    /// `compute` or `communication`: which side is the step's critical path.
    public var bound: String
    /// The error band, ± percent of the hours; nil when a term's error is unknown.
    public var errorPct: Double?
    /// The terms whose error is unknown: `link rate given: no error known`.
    public var unknownErrors: [String] = []
    /// Per-rank memory of a training step (`MemoryEstimate`), bytes.
    public var memoryBytes: Int? = nil
    /// Whether `memoryBytes` fits the request's device memory; nil without one.
    public var fitsDevice: Bool? = nil
    /// The system priced (its name); nil for the measured machine of models.json.
    public var system: String? = nil
    /// The allreduce schedule priced: `flat` (one algorithm over every rank) or `hierarchical`
    /// (within nodes, across nodes, within nodes); `none` for one rank.
    public var schedule: String = "flat"
    /// Ranks (devices) on each node.
    public var devicesPerNode: Int = 1
    public var nodeHours: Double { hours * Double(nodes) }
  }

  /// The line under a table of `rows` naming the terms whose error is unknown: `± n/a: link
  /// rate given: no error known`; nil when every band is known.
  public static func unknownErrorsLine(_ rows: [Row]) -> String? {
    var terms: [String] = []
    for term in rows.flatMap(\.unknownErrors) where !terms.contains(term) { terms.append(term) }
    return terms.isEmpty ? nil : "± n/a: " + terms.joined(separator: "; ")
  }

  /// The share of peak FLOP/s assumed when compute is priced from a device's peak.
  public static let defaultDeviceEfficiency = 0.4

  public var models: ModelsFile

  public init(models: ModelsFile) { self.models = models }

  /// The compute source: forward + backward ms, its backward share, update ms, held-out MAPE.
  struct ComputeSource {
    var milliseconds: (Double) -> Double
    var backwardShare: Double
    var updateMs: Double
    var mape: Double?
    /// Why `mape` is unknown, when it is.
    var unknown: String?
  }

  func computeSource(_ request: Request) throws -> ComputeSource {
    if let perSample = request.sampleTimeMs {
      guard perSample > 0, perSample.isFinite else {
        throw FittingError.notCovered("--sample-time-ms must be positive")
      }
      return ComputeSource(
        milliseconds: { perSample * $0 }, backwardShare: 2.0 / 3.0, updateMs: 0, mape: nil,
        unknown: "sample time given: no error known")
    }
    if let system = request.system, !system.measured { return try describedCompute(system, request) }
    if let step = models.step(for: request.model) {
      return ComputeSource(
        milliseconds: step.computeMs, backwardShare: step.backwardShare, updateMs: step.updateMs, mape: step.mape,
        unknown: "compute of \(request.model): no held-out error")
    }
    if let kernels = models.compute.kernels {
      let spec = try Zoo.spec(named: request.model)
      // Kernel time is close to linear in batch: price batch 1 and 8 and interpolate.
      func total(_ batch: Int) throws -> (Double, Double) {
        let samples = try LayerWorkload.samples(of: spec, batch: batch)
        func milliseconds(_ pass: String) -> Double {
          samples.filter { $0.pass == pass }.map { kernels.seconds($0) * Double($0.layerCount) * 1e3 }.reduce(0, +)
        }
        let forward = milliseconds("forward")
        let backward = milliseconds("backward")
        return (forward, backward)
      }
      let one = try total(1)
      let eight = try total(8)
      let slope = max((eight.0 + eight.1 - one.0 - one.1) / 7, 0)
      let intercept = max(one.0 + one.1 - slope, 0)
      let share = eight.1 / max(eight.0 + eight.1, 1e-12)
      return ComputeSource(
        milliseconds: { intercept + slope * $0 }, backwardShare: share, updateMs: 0,
        mape: kernels.stepMape ?? kernels.regressionMape, unknown: "kernel compute: no held-out error")
    }
    // A measured system whose compute was not (imported nccl-tests or OSU records only): its
    // device's throughput entry or peak, as for a described one.
    if let system = request.system, system.describesCompute(model: request.model, batch: request.batch) {
      return try describedCompute(system, request)
    }
    throw FittingError.notCovered(
      "no compute model for \(request.model) in models.json (fit train or kernel records, or give --sample-time-ms)")
  }

  /// The allreduce model to use for an algorithm, with the overrides applied. Without a fitted
  /// allreduce model for it, the algorithm's structural terms are priced with the p2p link fit
  /// (α = link latency, β = 1 / link bandwidth, γ = the fitted γ or 0), or with the overrides
  /// when both are given.
  func allreduceModel(_ algorithm: String, _ request: Request) throws -> StructuralCollectiveModel {
    var model = models.communication(for: algorithm)
    let gamma = models.communication.first?.gammaSPerByte ?? 0
    if model == nil, let links = models.links {
      model = StructuralCollectiveModel(
        algorithm: algorithm, alphaS: links.latencyS, betaSPerByte: 1 / links.bandwidthBytesPerS,
        gammaSPerByte: gamma, usesRingTerms: StructuralCollectiveModel.usesRingTerms(algorithm), rankCounts: [],
        points: 0, mape: links.mape)
    }
    if model == nil, request.linkBytesPerS != nil, request.latencyS != nil {
      model = StructuralCollectiveModel(
        algorithm: algorithm, alphaS: 0, betaSPerByte: 0, gammaSPerByte: gamma,
        usesRingTerms: StructuralCollectiveModel.usesRingTerms(algorithm), rankCounts: [], points: 0, mape: nil)
    }
    guard var model else {
      let fitted = models.communication.map(\.algorithm)
      throw FittingError.notCovered(
        fitted.isEmpty
          ? "no allreduce or link model in models.json; fit allreduce or p2p records, or give --link-rate and --latency"
          : "no allreduce model for '\(algorithm)' in models.json (fitted: \(fitted.joined(separator: ", ")))")
    }
    if let rate = request.linkBytesPerS {
      model.betaSPerByte = 1 / rate
      model.pieces = nil
    }
    if let latency = request.latencyS {
      model.alphaS = latency
      model.pieces = nil
    }
    return model
  }

  /// Candidate algorithms: the requested one, or every fitted one; for a described system with
  /// nothing fitted, every algorithm with a schedule of its own over all ranks (the two-level
  /// `hierarchical` algorithm is left to the hierarchical schedule, priced beside each).
  func algorithms(_ request: Request) -> [String] {
    if let algorithm = request.algorithm { return [algorithm] }
    let fitted = models.communication.map(\.algorithm)
    if fitted.isEmpty, let system = request.system, !system.measured {
      return AllreduceKind.allCases.filter { $0 != .mpi && $0 != .hierarchical }.map(\.rawValue)
    }
    return fitted.isEmpty ? ["ring"] : fitted
  }

  /// The κ to price with: the given one, else the fitted one if it was measured across hosts and
  /// the request is the measured system; nil for none.
  public func interference(_ request: Request) -> CommunicationInterference? {
    if let given = request.interference { return CommunicationInterference(slowdownPerHiddenMs: given) }
    guard let fitted = models.interference, fitted.measuredAcrossHosts, !request.replacesMeasuredSystem else {
      return nil
    }
    return fitted
  }

  /// The CPU the allreduces take from compute (`CommunicationCPUCost`): its fit and the cores
  /// of a rank's device, when the system gives them (a device whose cores all compute) and
  /// models.json timed a communication thread. Nil when κ prices the slowdown instead (given,
  /// or measured across hosts on this system: it already contains this CPU).
  public func communicationCPU(_ request: Request) -> (cost: CommunicationCPUCost, cores: Double)? {
    guard request.interference == nil, interference(request) == nil, let cost = models.communicationCpu,
      let cores = request.system?.device.cores, cores > 0
    else { return nil }
    return (cost, cores)
  }

  /// κ from the communication thread's CPU: per millisecond of allreduce it takes
  /// CPU / allreduce of a core, which a rank whose `cores` all compute loses from compute, so
  /// hidden communication stretches compute by CPU / (cores × allreduce) per millisecond.
  static func communicationCPUSlowdown(
    _ cost: CommunicationCPUCost, cores: Double, algorithm: String, buckets: [Int], ranks: Int, perNode: Int,
    allreduceMs: Double
  ) -> Double {
    guard ranks > 1, allreduceMs > 0 else { return 0 }
    let sent = buckets.reduce(0.0) {
      $0 + CommunicationCPUCost.bytesSent(algorithm: algorithm, ranks: ranks, ranksPerNode: perNode, gradientBytes: $1)
    }
    return cost.cpuSPerByte * sent * 1e3 / (cores * allreduceMs)
  }

  public func predict(_ request: Request, nodes: [Int]) throws -> [Row] {
    guard request.samples > 0, request.epochs > 0, request.samples.isFinite, request.epochs.isFinite else {
      throw FittingError.notCovered("--samples and --epochs must be positive")
    }
    if let given = request.interference, !(given >= 0 && given.isFinite) {
      throw FittingError.notCovered("--interference must be zero or positive")
    }
    guard request.batch > 0, request.ranksPerNode > 0, request.bucketBytes > 0, request.computeSpeed > 0 else {
      throw FittingError.notCovered("batch, ranks per node, bucket size and compute speed must be positive")
    }
    let spec = try Zoo.spec(named: request.model)
    let buckets = try IterationModel.bucketPlan(spec: spec, bucketBytes: request.bucketBytes).bucketBytes()
    let profile = try BackwardProfile(spec: spec)
    let compute = try computeSource(request)
    let deviceMemory = request.deviceMemoryBytes ?? request.system?.device.memoryBytes
    let fittedInterference = interference(request)
    let cpu = communicationCPU(request)
    if let system = request.system, request.ranksPerNode > system.devicesPerNode {
      throw FittingError.notCovered(
        "system \(system.name) has \(system.devicesPerNode) devices per node; \(request.ranksPerNode) ranks per node would share them"
      )
    }
    return try nodes.map { count in
      guard count > 0 else { throw FittingError.notCovered("node counts must be positive (got \(count))") }
      if let system = request.system, let limit = system.nodes, count > limit {
        throw FittingError.notCovered("system \(system.name) has \(limit) nodes (asked for \(count))")
      }
      let ranks = count * request.ranksPerNode
      let perRank = request.strongScaling ? Double(request.batch) / Double(ranks) : Double(request.batch)
      guard perRank >= 1 else {
        throw FittingError.notCovered("global batch \(request.batch) is smaller than \(ranks) ranks")
      }
      // A global batch that does not divide evenly gives some ranks one sample more (the
      // agent's split, e.g. [2, 1, 1]); every rank waits for the slowest at the allreduce.
      let slowestRankBatch = request.strongScaling ? perRank.rounded(.up) : perRank
      let computeMs = compute.milliseconds(slowestRankBatch) / request.computeSpeed
      let updateMs = compute.updateMs / request.computeSpeed
      var best: (row: Row, step: Double)?
      for algorithm in algorithms(request) {
        let levels = try self.levels(algorithm, request)
        let perNode = request.ranksPerNode
        let price = levels.pricer(algorithm: algorithm, nodes: count, perNode: perNode)
        var schedules = Set<NodeAllreducePricing.Schedule>()
        for bucket in Set(buckets) where ranks > 1 { schedules.insert(price(bucket).1) }
        var iteration = IterationModel(
          computeMs: computeMs, backwardMs: computeMs * compute.backwardShare, updateMs: updateMs,
          buckets: buckets, ranks: ranks,
          allreduceSeconds: { price($0).0 })
        iteration.profile = profile
        iteration.overlap = request.overlap
        if let cpu {
          iteration.interference = Self.communicationCPUSlowdown(
            cpu.cost, cores: cpu.cores, algorithm: algorithm, buckets: buckets, ranks: ranks, perNode: perNode,
            allreduceMs: buckets.reduce(0) { $0 + price($1).0 } * 1e3)
        } else {
          iteration.interference = fittedInterference?.slowdownPerHiddenMs ?? 0
        }
        let breakdown = iteration.breakdown
        let step = breakdown.stepMs
        let throughput = Double(ranks) * perRank / (step / 1e3)
        let hours = request.samples * request.epochs / throughput / 3600
        let exposed = breakdown.exposedCommunicationMs
        // The compute the allreduces are compared with: what they hide behind, or all of it.
        let sideBySide = request.overlap == .on ? iteration.backwardMs : computeMs
        var band = ErrorBand()
        if request.computeSpeed != 1 {
          band.unknown.append("compute speed given: no error known")
        } else {
          band.add(compute.mape, weight: computeMs + updateMs, unknown: compute.unknown ?? "")
        }
        if ranks > 1 {
          band.unknown += levels.unknown
          if levels.unknown.isEmpty {
            band.add(levels.fittedError, weight: exposed, unknown: "allreduce \(algorithm): no held-out error")
          }
          if breakdown.interferenceMs > 0 {
            if request.interference != nil {
              band.unknown.append("interference given: no error known")
            } else if let cpu {
              band.add(
                cpu.cost.mape, weight: breakdown.interferenceMs, unknown: "communication CPU: no held-out error")
            } else {
              band.add(
                models.interference?.mape, weight: breakdown.interferenceMs,
                unknown: "interference: no held-out error")
            }
          }
        }
        var row = Row(
          nodes: count, ranks: ranks, algorithm: ranks > 1 ? algorithm : "none", batchPerRank: perRank,
          globalBatch: perRank * Double(ranks), bucketBytes: request.bucketBytes,
          overlap: ranks > 1 ? request.overlap.rawValue : "none", hours: hours,
          samplesPerS: throughput, stepMs: step, computeMs: computeMs + breakdown.interferenceMs,
          allreduceMs: breakdown.allreduceMs,
          exposedCommMs: exposed, updateMs: updateMs,
          bound: breakdown.allreduceMs > sideBySide ? "communication" : "compute",
          errorPct: band.percentOf(step), unknownErrors: band.unknown)
        row.memoryBytes = try MemoryEstimate(spec: spec, batch: Int(slowestRankBatch)).totalBytes
        row.fitsDevice = deviceMemory.map { row.memoryBytes! <= $0 }
        row.system = request.system?.name
        row.devicesPerNode = perNode
        row.schedule =
          ranks == 1
          ? "none" : schedules.count == 1 ? schedules.first!.rawValue : "mixed (flat and hierarchical by bucket)"
        if best == nil || step < best!.step { best = (row, step) }
      }
      return best!.row
    }
  }
}
