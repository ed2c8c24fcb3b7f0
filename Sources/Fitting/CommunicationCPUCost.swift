import Measurements

/// The CPU a rank's gradient allreduces take: seconds of CPU per byte the rank sends (the β
/// bytes of `AllreduceKind.cost` for the record's algorithm, ranks and ranks per host; ring's
/// for `mpi`), fitted to dlscale's multi-rank train records, which time their communication
/// thread's CPU (`comm_cpu_ms`: its copies through the transport, the packets' processing that
/// the kernel does in its system calls, the sums, its polls).
///
/// It prices what κ (`CommunicationInterference`) fits after the fact, from what one host can
/// measure: on a rank whose cores all compute (`SystemDescription.Device.cores`), the
/// communication thread's CPU is taken from compute, so communication hidden behind compute
/// stretches it by the thread's CPU over the rank's cores
/// (`TrainingTimePrediction.communicationCPUSlowdown`). On ResNet-50 at 4 emulated hosts of
/// 0.45 cores, the thread took 144–153 ms of CPU a step, and forward + backward beside the
/// allreduces grew by 289–374 ms over compute alone.
///
/// Fit: c = Σ(x·y)/Σ(x²) through the origin over the records' (bytes sent per step, CPU
/// seconds per step). Held-out error: leave-one-configuration-out MAPE (a configuration is a
/// model, rank count and algorithm), when there are two.
public struct CommunicationCPUCost: Codable, Sendable, Equatable {
  public var cpuSPerByte: Double
  public var points: Int
  public var mape: Double?
  /// Where its records ran (hosts, ranks per host, transport).
  public var provenance: MeasurementProvenance?
  public var models: [String]

  public init(cpuSPerByte: Double, points: Int, provenance: MeasurementProvenance? = nil, models: [String] = []) {
    self.cpuSPerByte = cpuSPerByte
    self.points = points
    self.provenance = provenance
    self.models = models
  }

  /// `2 ranks of 1 host over shared memory (resnet50)`: where it was measured.
  public var measuredOn: String {
    let place = provenance?.text ?? "records of unknown placement"
    return models.isEmpty ? place : "\(place) (\(models.joined(separator: ", ")))"
  }

  /// Bytes one rank sends in the allreduces of `gradientBytes` bytes: the β term of the terms
  /// `AllreduceKind.modelledCost` prices the algorithm with (ring's for a name it does not know).
  public static func bytesSent(algorithm: String, ranks: Int, ranksPerNode: Int, gradientBytes: Int) -> Double {
    (AllreduceKind(name: algorithm) ?? .mpi).modelledCost(
      ranks: ranks, bytes: gradientBytes, ranksPerNode: ranksPerNode
    ).beta
  }

  struct Point {
    var configuration: String
    var bytes: Double
    var cpuS: Double
    var record: Record
  }

  static func points(_ records: [Record]) -> [Point] {
    records.compactMap { record in
      guard record.kind == .train, record.engineName == Record.ownEngine, let ranks = record.ranks, ranks > 1,
        let cpuMs = record.commCpuMs, cpuMs > 0, cpuMs.isFinite, let gradient = record.gradientBytes, gradient > 0
      else { return nil }
      let algorithm = record.algorithm ?? AllreduceKind.ring.rawValue
      // Ranks per node as placed: the most ranks any one host ran.
      let perHost = MeasurementProvenance.ranksPerHost(of: record)?.max() ?? 1
      let bytes = bytesSent(algorithm: algorithm, ranks: ranks, ranksPerNode: perHost, gradientBytes: gradient)
      guard bytes > 0 else { return nil }
      return Point(
        configuration: "\(record.model ?? "?") \(ranks) \(algorithm)", bytes: bytes, cpuS: cpuMs / 1e3,
        record: record)
    }
  }

  /// The fit, or nil when no record times its communication thread.
  public static func fit(_ records: [Record]) throws -> CommunicationCPUCost? {
    let points = points(records)
    guard !points.isEmpty else { return nil }
    let used = points.map(\.record)
    var result = CommunicationCPUCost(
      cpuSPerByte: try fitSlope(points), points: points.count, provenance: MeasurementProvenance.of(used),
      models: Set(used.compactMap(\.model)).sorted())
    let configurations = Set(points.map(\.configuration)).sorted()
    result.mape = MeanAbsolutePercentageError.leaveOneGroupOut(
      points, group: { configurations.firstIndex(of: $0.configuration)! }, observed: \.cpuS,
      fit: { try fitSlope($0) }, predict: { $0 * $1.bytes })
    return result
  }

  static func fitSlope(_ points: [Point]) throws -> Double {
    let numerator = points.reduce(0) { $0 + $1.bytes * $1.cpuS }
    let denominator = points.reduce(0) { $0 + $1.bytes * $1.bytes }
    guard denominator > 0 else {
      throw FittingError.tooFewPoints(model: "communication CPU", needed: 1, found: 0)
    }
    return numerator / denominator
  }
}
