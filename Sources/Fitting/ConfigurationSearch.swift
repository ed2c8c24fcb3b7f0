import Measurements

/// `dlscale optimize`'s search: every combination of node count (1…max), ranks per node,
/// batch per rank, allreduce algorithm, bucket size and overlap mode, each predicted by
/// `TrainingTimePrediction`; ranked by hours to train, or — with a deadline — by node-hours among
/// the configurations that meet it. With a device memory in the request, only batches that fit.
///
/// Ranks on one node are assumed to compute as fast as a rank alone (one accelerator or socket
/// each); the compute model has no notion of ranks sharing a node's cores.
public struct ConfigurationSearch: Sendable {
  public var maxNodes = 8
  public var ranksPerNode = [1]
  public var batches = [16, 32, 64]
  /// Nil: every fitted algorithm.
  public var algorithms: [String]?
  public var bucketSizes = [1 << 20, 4 << 20, 8 << 20, 16 << 20, 25 << 20, 64 << 20]
  public var overlaps = [IterationModel.Overlap.on]
  public var deadlineHours: Double?

  public init() {}

  public func run(models: ModelsFile, request base: TrainingTimePrediction.Request) throws
    -> [TrainingTimePrediction.Row]
  {
    guard maxNodes > 0 else { throw FittingError.notCovered("--max-nodes must be positive") }
    let prediction = TrainingTimePrediction(models: models)
    // A system's node count caps the search; its device's memory acts as the request's.
    let largest = min(maxNodes, base.system?.nodes ?? maxNodes)
    var unrestricted = base
    unrestricted.algorithm = nil
    let candidates = algorithms ?? prediction.algorithms(unrestricted)
    var rows: [TrainingTimePrediction.Row] = []
    for perNode in ranksPerNode {
      for batch in batches {
        for algorithm in candidates {
          for bucket in bucketSizes {
            for overlap in overlaps {
              var request = base
              request.ranksPerNode = perNode
              request.batch = batch
              request.algorithm = algorithm
              request.bucketBytes = bucket
              request.overlap = overlap
              rows += try prediction.predict(request, nodes: Array(1...largest))
            }
          }
        }
      }
    }
    // One rank allreduces nothing: its rows differ only in algorithm, bucket and overlap; keep one.
    var seen = Set<String>()
    rows = rows.filter { row in
      let communication =
        row.ranks > 1 ? "\(row.algorithm)|\(row.schedule)|\(row.bucketBytes)|\(row.overlap)" : "none"
      return seen.insert("\(row.nodes)|\(row.ranks)|\(row.batchPerRank)|\(communication)").inserted
    }
    if base.deviceMemoryBytes != nil || base.system?.device.memoryBytes != nil {
      let smallest = Double(rows.compactMap(\.memoryBytes).min() ?? 0) / Double(1 << 20)
      rows = rows.filter { $0.fitsDevice != false }
      guard !rows.isEmpty else {
        throw FittingError.notCovered(
          "no configuration fits the device memory (the smallest batch needs \(Int(smallest.rounded(.up))) MiB per rank)"
        )
      }
    }
    if let deadline = deadlineHours {
      let meeting = rows.filter { $0.hours <= deadline }
      guard !meeting.isEmpty else {
        let fastest = rows.map(\.hours).min() ?? .infinity
        throw FittingError.notCovered(
          "no configuration meets the \(deadline)-hour deadline (fastest: \(fastest) hours)")
      }
      return meeting.sorted { ($0.nodeHours, $0.hours) < ($1.nodeHours, $1.hours) }
    }
    return rows.sorted { ($0.hours, $0.nodes) < ($1.hours, $1.nodes) }
  }
}
