import Measurements

/// The allreduce measurements of one algorithm at one rank count, by size: the latency and bus
/// bandwidth curves of the report. Where a size was measured more than once, the latest wins.
/// Imported records form series of their own, named with their source; so do runs of the same
/// ranks on different numbers of hosts (4 ranks on one node and on two), named with theirs.
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
  /// For imported records: the source, and for nccl-tests which of its two columns
  /// ("nccl-tests, in-place"); nil for dlscale's own measurements.
  public var origin: String?
  /// How many hosts the ranks ran on (1 when the records do not say).
  public var hosts = 1
  /// Whether another series of this algorithm, rank count and origin ran on another number of
  /// hosts: the name then says this one's.
  public var hostsSetApart = false

  /// The series' label: "mpi", "mpi (osu)" for imported records, "nccl (nccl-tests, in-place,
  /// 2 hosts)" beside a run of the same ranks on one host.
  public var name: String {
    let parts = [origin, hostsSetApart ? (hosts == 1 ? "1 host" : "\(hosts) hosts") : nil].compactMap { $0 }
    return parts.isEmpty ? algorithm : "\(algorithm) (\(parts.joined(separator: ", ")))"
  }

  /// The origin of a record's figures (see `origin`).
  static func origin(of record: Record) -> String? {
    guard let source = record.source else { return nil }
    return source.rawValue + (record.inPlace.map { $0 ? ", in-place" : ", out-of-place" } ?? "")
  }

  public static func group(_ records: [Record]) -> [AllreduceSeries] {
    var latest: [String: [Int: Record]] = [:]
    for record in records where record.kind == .allreduce {
      guard let ranks = record.ranks, let bytes = record.bytes, record.timeUs != nil else { continue }
      let key = "\(ranks)\u{0}\(record.algorithm ?? "mpi")\u{0}\(origin(of: record) ?? "")\u{0}\(record.hosts ?? 1)"
      if let existing = latest[key]?[bytes], existing.timestamp > record.timestamp { continue }
      latest[key, default: [:]][bytes] = record
    }
    var series = latest.values.compactMap { bySize -> AllreduceSeries? in
      let sorted = bySize.values.sorted { $0.bytes! < $1.bytes! }
      guard let first = sorted.first, let ranks = first.ranks else { return nil }
      let points = sorted.map { record in
        let meanUs = record.timeUs!.mean
        let busbw =
          record.busbwGbps
          ?? Collective.allreduce.busBandwidth(bytes: record.bytes!, seconds: meanUs / 1e6, ranks: ranks)
        return Point(bytes: record.bytes!, meanUs: meanUs, busbwGbps: busbw, slowestRank: record.slowestRank)
      }
      return AllreduceSeries(
        algorithm: first.algorithm ?? "mpi", ranks: ranks, points: points, origin: origin(of: first),
        hosts: first.hosts ?? 1)
    }
    // A curve of one algorithm, rank count and origin measured on several host counts.
    let curve = { (series: AllreduceSeries) in "\(series.ranks)\u{0}\(series.algorithm)\u{0}\(series.origin ?? "")" }
    let hostCounts = Dictionary(grouping: series, by: curve).mapValues(\.count)
    for index in series.indices { series[index].hostsSetApart = hostCounts[curve(series[index])]! > 1 }
    return series.sorted { ($0.ranks, $0.name) < ($1.ranks, $1.name) }
  }
}
