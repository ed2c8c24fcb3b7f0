import Measurements

/// How much a rank's compute slows while gradient allreduces run beside it: κ milliseconds of
/// forward + backward added per millisecond of communication hidden behind backward.
///
/// Communication is not free for the host: the transport copies every byte through the kernel,
/// the network stack processes every packet, and the sum of each segment is computed on the
/// rank's cores, all taken from the compute that overlaps it. On the emulated cluster (where
/// the kernel charges packet processing to whichever task it interrupts) this was 20–40% of
/// the hidden communication time; on hosts with spare cores it is small. Fitted to the
/// multi-rank overlapped `train` records: each gives the excess of its forward + backward over
/// the compute model at its batch, e = (forward + backward) − compute(b), and its hidden
/// communication h = allreduce − exposed; κ minimises Σ((κh − e)/(fb))² with κ ≥ 0 (relative
/// errors, as every dlscale fit). Held-out error: leave-one-rank-count-out MAPE of forward +
/// backward.
public struct CommunicationInterference: Codable, Sendable, Equatable {
  public var slowdownPerHiddenMs: Double
  public var points: Int
  public var rankCounts: [Int]
  public var mape: Double?
  /// Hosts its records span (nil in files written before it was recorded). Fitted on one host,
  /// κ describes that host's cores under shared-memory traffic, not a networked system.
  public var hosts: Int?

  /// Whether κ was measured across hosts, and so may price a networked system.
  public var measuredAcrossHosts: Bool { (hosts ?? 1) > 1 }

  public init(slowdownPerHiddenMs: Double, points: Int = 0, rankCounts: [Int] = []) {
    self.slowdownPerHiddenMs = slowdownPerHiddenMs
    self.points = points
    self.rankCounts = rankCounts
  }

  struct Point {
    var ranks: Int
    /// Forward + backward with communication beside it, milliseconds.
    var observedMs: Double
    /// The compute model's forward + backward at the record's batch, milliseconds.
    var aloneMs: Double
    var hiddenMs: Double
  }

  /// The points of overlapped multi-rank train records of dlscale's own engine whose model has a
  /// compute model.
  static func points(_ records: [Record], steps: [StepComputeModel]) -> [Point] {
    records.compactMap { record in
      guard record.kind == .train, record.engineName == Record.ownEngine,
        record.overlap.map({ $0 != .off }) == true, let ranks = record.ranks, ranks > 1,
        let name = record.model, let step = steps.first(where: { $0.model == name }),
        let forward = record.forwardMs, let backward = record.backwardMs, let allreduce = record.allreduceMs,
        let exposed = record.exposedCommMs, forward + backward > 0, (forward + backward).isFinite,
        allreduce.isFinite, exposed.isFinite
      else { return nil }
      // The slowest rank's batch: with an uneven strong-scaling split every rank waits for it.
      guard let batch = record.rankBatches?.max() ?? record.batchPerRank, batch > 0 else { return nil }
      return Point(
        ranks: ranks, observedMs: forward + backward, aloneMs: step.computeMs(batch: Double(batch)),
        hiddenMs: max(allreduce - exposed, 0))
    }
  }

  /// Fits κ to the records; nil when no record has hidden communication to learn from.
  public static func fit(_ records: [Record], steps: [StepComputeModel]) throws -> CommunicationInterference? {
    let points = points(records, steps: steps)
    guard points.contains(where: { $0.hiddenMs > 0 }) else { return nil }
    var result = try fitSlope(points)
    // Across hosts only when one run spanned several (runs each on one host measured none).
    let provenance = MeasurementProvenance.of(
      records.filter { $0.kind == .train && $0.engineName == Record.ownEngine && ($0.ranks ?? 1) > 1 })
    result.hosts = provenance.map { $0.transport == .network ? $0.hosts : 1 }
    if result.rankCounts.count >= 2 {
      result.mape = MeanAbsolutePercentageError.leaveOneGroupOut(
        points, group: \.ranks, observed: \.observedMs, fit: { try fitSlope($0) },
        predict: { $1.aloneMs + $0.slowdownPerHiddenMs * $1.hiddenMs })
    }
    return result
  }

  static func fitSlope(_ points: [Point]) throws -> CommunicationInterference {
    var numerator = 0.0
    var denominator = 0.0
    for point in points {
      let weight = 1 / (point.observedMs * point.observedMs)
      numerator += weight * point.hiddenMs * (point.observedMs - point.aloneMs)
      denominator += weight * point.hiddenMs * point.hiddenMs
    }
    guard denominator > 0 else {
      throw FittingError.tooFewPoints(model: "communication interference", needed: 1, found: 0)
    }
    return CommunicationInterference(
      slowdownPerHiddenMs: max(numerator / denominator, 0), points: points.count,
      rankCounts: Set(points.map(\.ranks)).sorted())
  }
}
