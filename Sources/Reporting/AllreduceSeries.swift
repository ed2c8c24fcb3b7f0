import Measurements

/// The allreduce measurements of one algorithm at one rank count, by size: the latency and bus
/// bandwidth curves of the report. Where a size was measured more than once, the latest wins.
public struct AllreduceSeries: Sendable {
  public struct Point: Sendable {
    public var bytes: Int
    public var meanUs: Double
    public var busbwGbps: Double
    public var slowestRank: Int?
  }

  public var algorithm: String
  public var ranks: Int
  public var points: [Point]

  public static func group(_ records: [Record]) -> [AllreduceSeries] {
    var latest: [String: [Int: Record]] = [:]
    for record in records where record.kind == .allreduce {
      guard let ranks = record.ranks, let bytes = record.bytes, record.timeUs != nil else { continue }
      let key = "\(ranks)\u{0}\(record.algorithm ?? "mpi")"
      if let existing = latest[key]?[bytes], existing.timestamp > record.timestamp { continue }
      latest[key, default: [:]][bytes] = record
    }
    return latest.values.compactMap { bySize -> AllreduceSeries? in
      let sorted = bySize.values.sorted { $0.bytes! < $1.bytes! }
      guard let first = sorted.first, let ranks = first.ranks else { return nil }
      let points = sorted.map { record in
        let meanUs = record.timeUs!.mean
        let busbw =
          record.busbwGbps
          ?? Collective.allreduce.busBandwidth(bytes: record.bytes!, seconds: meanUs / 1e6, ranks: ranks)
        return Point(bytes: record.bytes!, meanUs: meanUs, busbwGbps: busbw, slowestRank: record.slowestRank)
      }
      return AllreduceSeries(algorithm: first.algorithm ?? "mpi", ranks: ranks, points: points)
    }.sorted { ($0.ranks, $0.algorithm) < ($1.ranks, $1.algorithm) }
  }
}
