import Measurements

/// Where and with what the measurements were made: hosts, rank placement, MPI library, dlscale
/// version, the runs and the time they span.
public struct RunMetadata: Sendable {
  public struct Run: Sendable {
    public var id: String
    public var kinds: [String]
    public var records: Int
    public var ranks: Int?
    public var rankHosts: [String]
    public var first: String
    public var last: String
    /// The imported files of the run, "osu osu_allreduce-np2.txt (sha256:1f0c…)"; empty for
    /// dlscale's own measurements.
    public var sources: [String] = []
  }

  public var hosts: [String]
  public var mpiLibraries: [String]
  public var versions: [String]
  public var runs: [Run]
  public var firstTimestamp: String?
  public var lastTimestamp: String?
  public var recordCounts: [(kind: String, count: Int)]

  public init(records: [Record]) {
    hosts = Array(Set(records.flatMap { $0.rankHosts ?? [] })).sorted()
    mpiLibraries = Array(Set(records.compactMap(\.mpiLibrary))).sorted()
    versions = Array(Set(records.map(\.dlscaleVersion))).sorted()
    let timestamps = records.map(\.timestamp).sorted()
    firstTimestamp = timestamps.first
    lastTimestamp = timestamps.last
    var order: [String] = []
    var byRun: [String: [Record]] = [:]
    for record in records {
      if byRun[record.runId] == nil { order.append(record.runId) }
      byRun[record.runId, default: []].append(record)
    }
    runs = order.map { id in
      let group = byRun[id]!
      let stamps = group.map(\.timestamp).sorted()
      var kinds: [String] = []
      for record in group where !kinds.contains(record.kind.rawValue) { kinds.append(record.kind.rawValue) }
      var sources: [String] = []
      for record in group {
        guard let source = record.source else { continue }
        let digest = record.sourceDigest.map { " (\($0.prefix(15))…)" } ?? ""
        let text = "\(source.rawValue) \(record.sourceFile ?? "?")\(digest)"
        if !sources.contains(text) { sources.append(text) }
      }
      return Run(
        id: id, kinds: kinds, records: group.count, ranks: group.compactMap(\.ranks).max(),
        rankHosts: group.first { $0.rankHosts != nil }?.rankHosts ?? [], first: stamps.first!, last: stamps.last!,
        sources: sources)
    }.sorted { $0.first < $1.first }
    recordCounts = Record.Kind.allCases.compactMap { kind in
      let count = records.filter { $0.kind == kind }.count
      return count > 0 ? (kind.rawValue, count) : nil
    }
  }

  /// "vm ×2, node-b" for a rank placement.
  public static func placement(_ rankHosts: [String]) -> String {
    var order: [String] = []
    var counts: [String: Int] = [:]
    for host in rankHosts {
      if counts[host] == nil { order.append(host) }
      counts[host, default: 0] += 1
    }
    return order.map { counts[$0]! > 1 ? "\($0) ×\(counts[$0]!)" : $0 }.joined(separator: ", ")
  }
}
