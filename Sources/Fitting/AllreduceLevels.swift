import Kernels
import Measurements

/// The two links a prediction prices an allreduce with — within a node and between nodes — each
/// as a `StructuralCollectiveModel` (α, β, γ, and the fitted pieces and error when fitted), and
/// what each stands for (docs/ARCHITECTURE.md, "Models").
///
/// A described, unmeasured system: its links' figures, γ from models.json if fitted, else 0.
/// A measured system whose network was not measured (models.json fitted on one host or on
/// compute alone, e.g. an emulated cluster's file from `cluster up`): the system's network link
/// prices the network, and the fitted allreduce model, if any, the link within a node.
/// The measured machine (no system, or a measured one whose network was measured): the fitted allreduce model prices the
/// level that was measured — within a node when models.json was measured on one host (shared
/// memory), between nodes when across hosts. The other level: between nodes, `--link-rate` and
/// `--latency` when given, else the measured model (no network measured); within a node, the
/// p2p links between ranks of one host when recorded, else the measured model.
struct AllreduceLevels: Sendable {
  var intra: StructuralCollectiveModel
  var inter: StructuralCollectiveModel
  /// The terms whose error is unknown because a level is not fitted: one phrase each.
  var unknown: [String] = []
  /// Whether the error of the fitted allreduce model applies (a level is the fitted model).
  var fittedError: Double?

  /// Seconds and schedule of one allreduce of `bytes` among `nodes` × `perNode` ranks, as a
  /// function of the bytes (the placement of the rounds is found once).
  func pricer(algorithm: String, nodes: Int, perNode: Int) -> @Sendable (Int) -> (Double, NodeAllreducePricing.Schedule)
  {
    if nodes == 1 { return { (intra.seconds(ranks: perNode, bytes: $0), .flat) } }
    if perNode == 1 { return { (inter.seconds(ranks: nodes, bytes: $0), .flat) } }
    let pricing = NodeAllreducePricing(
      algorithm: AllreduceKind(name: algorithm) ?? .mpi, nodes: nodes, devicesPerNode: perNode,
      intra: .init(alphaS: intra.alphaS, betaSPerByte: intra.betaSPerByte),
      inter: .init(alphaS: inter.alphaS, betaSPerByte: inter.betaSPerByte),
      gammaSPerByte: inter.gammaSPerByte)
    return { pricing.best(bytes: $0) }
  }
}

extension TrainingTimePrediction {
  /// γ from models.json (the shared γ of the fitted allreduce models); nil when none is fitted.
  var fittedGamma: Double? { models.communication.first?.gammaSPerByte }

  func levels(_ algorithm: String, _ request: Request) throws -> AllreduceLevels {
    func model(_ link: SystemDescription.Link, rate: Double? = nil, latency: Double? = nil)
      -> StructuralCollectiveModel
    {
      StructuralCollectiveModel(
        algorithm: algorithm, alphaS: latency ?? link.latencyS, betaSPerByte: 1 / (rate ?? link.bytesPerS),
        gammaSPerByte: fittedGamma ?? 0, usesRingTerms: StructuralCollectiveModel.usesRingTerms(algorithm),
        rankCounts: [], points: 0, mape: nil)
    }
    if let system = request.system, system.measured, models.provenance?.transport != .network {
      // A measured system whose network models.json did not measure (fits of one host, or of
      // compute only), such as an emulated cluster: its description prices the network (the
      // rate cluster up set), and what was measured on one host prices the link within a node.
      var unmodified = request
      unmodified.linkBytesPerS = nil
      unmodified.latencyS = nil
      // The shared memory measured: the algorithm's own fit, else another algorithm's α, β, γ
      // under this algorithm's terms (the link is the same whichever algorithm measured it).
      var shared = try? allreduceModel(algorithm, unmodified)
      if shared == nil, var other = models.communication.first {
        other.algorithm = algorithm
        other.usesRingTerms = StructuralCollectiveModel.usesRingTerms(algorithm)
        other.pieces = nil
        shared = other
      }
      var unknown = ["network of \(system.name) from its description: no error known"]
      if request.linkBytesPerS != nil { unknown.append("link rate given: no error known") }
      if request.latencyS != nil { unknown.append("latency given: no error known") }
      if shared == nil, system.devicesPerNode > 1 {
        unknown.append("link within a node of \(system.name) from its description: no error known")
      }
      return AllreduceLevels(
        intra: shared ?? model(system.intraNode ?? system.interNode),
        inter: model(system.interNode, rate: request.linkBytesPerS, latency: request.latencyS), unknown: unknown,
        fittedError: shared?.mape)
    }
    if let system = request.system, !system.measured {
      let intraLink = system.intraNode ?? system.interNode
      var unknown = ["links of \(system.name) from its description: no error known"]
      if request.linkBytesPerS != nil { unknown.append("link rate given: no error known") }
      if request.latencyS != nil { unknown.append("latency given: no error known") }
      return AllreduceLevels(
        intra: model(intraLink),
        inter: model(system.interNode, rate: request.linkBytesPerS, latency: request.latencyS), unknown: unknown)
    }
    let measured = try allreduceModel(algorithm, request)
    var unmodified = request
    unmodified.linkBytesPerS = nil
    unmodified.latencyS = nil
    let fitted = (try? allreduceModel(algorithm, unmodified)) ?? measured
    var unknown: [String] = []
    if request.linkBytesPerS != nil { unknown.append("link rate given: no error known") }
    if request.latencyS != nil { unknown.append("latency given: no error known") }
    if models.provenance?.transport == .network {
      // The fits measured the network; within a node, the algorithm's own records of one host,
      // else the p2p links of one host, if recorded.
      var intra = fitted
      if let oneHost = models.communicationWithinHost(for: algorithm) {
        intra = oneHost
      } else if let shared = models.links?.withinHost {
        intra.alphaS = shared.latencyS
        intra.betaSPerByte = 1 / shared.bandwidthBytesPerS
        intra.pieces = nil
      }
      return AllreduceLevels(intra: intra, inter: measured, unknown: unknown, fittedError: fitted.mape)
    }
    return AllreduceLevels(intra: fitted, inter: measured, unknown: unknown, fittedError: fitted.mape)
  }

  /// Compute of a described, unmeasured system: its throughput entry for the model (nearest
  /// batch; time per sample assumed the same at every batch), else its device's peak FLOP/s at
  /// `deviceEfficiency` (3 × 2 × forward MACs per sample).
  func describedCompute(_ system: SystemDescription, _ request: Request) throws -> ComputeSource {
    if let entry = system.throughput(model: request.model, batch: request.batch) {
      let perSample = 1e3 / entry.samplesPerS
      return ComputeSource(
        milliseconds: { perSample * $0 }, backwardShare: 2.0 / 3.0, updateMs: 0, mape: nil,
        unknown: "compute from throughput \(entry.model) batch \(entry.batch): no error known")
    }
    guard let peak = system.device.peakFlops, peak > 0 else {
      throw FittingError.notCovered(
        "system \(system.name): no throughput entry for \(request.model) and no peak FLOP/s for its device \(system.device.name); give --sample-time-ms"
      )
    }
    let macs = Double(try Zoo.spec(named: request.model).summary().forwardMACs)
    let perSample = 6 * macs / (peak * request.deviceEfficiency) * 1e3
    let percent = Int((request.deviceEfficiency * 100).rounded())
    return ComputeSource(
      milliseconds: { perSample * $0 }, backwardShare: 2.0 / 3.0, updateMs: 0, mape: nil,
      unknown: "device compute from peak FLOP/s at \(percent)% assumed efficiency: no error known")
  }
}
