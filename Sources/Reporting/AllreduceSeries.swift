import Measurements

/// The allreduce measurements of one algorithm at one rank count, by size: the latency and bus
/// bandwidth curves of the report. Where a size was measured more than once, the latest wins.
/// Imported records form series of their own, named with their source.
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

  /// The series' label: "mpi", or "mpi (osu)" for imported records.
  public var name: String { origin.map { "\(algorithm) (\($0))" } ?? algorithm }

  /// The origin of a record's figures (see `origin`).
  static func origin(of record: Record) -> String? {
    guard let source = record.source else { return nil }
    return source.rawValue + (record.inPlace.map { $0 ? ", in-place" : ", out-of-place" } ?? "")
  }

  public static func group(_ records: [Record]) -> [AllreduceSeries] {
    var latest: [String: [Int: Record]] = [:]
    for record in records where record.kind == .allreduce {
      guard let ranks = record.ranks, let bytes = record.bytes, record.timeUs != nil else { continue }
      let key = "\(ranks)\u{0}\(record.algorithm ?? "mpi")\u{0}\(origin(of: record) ?? "")"
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
      return AllreduceSeries(
        algorithm: first.algorithm ?? "mpi", ranks: ranks, points: points, origin: origin(of: first))
    }.sorted { ($0.ranks, $0.name) < ($1.ranks, $1.name) }
  }
}
