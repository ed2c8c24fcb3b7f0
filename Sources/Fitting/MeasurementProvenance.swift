import Measurements

/// Where a models file's fits came from: how many hosts the records span, the ranks each host
/// ran, whether ranks talked over shared memory (one host) or a network, whether ranks shared
/// cores, and the rank counts, message sizes and batches covered. A prediction beyond these is
/// an extrapolation, and says so (`PredictionNotes`).
public struct MeasurementProvenance: Codable, Sendable, Equatable {
  /// How the measured ranks exchanged data.
  public enum Transport: String, Codable, Sendable {
    case sharedMemory = "shared-memory"
    case network

    public var text: String { self == .sharedMemory ? "shared memory" : "a network" }
  }

  /// Distinct hosts over every record.
  public var hosts: Int
  /// The ranks per host of the records (each record's largest), distinct, ascending.
  public var ranksPerHost: [Int]
  public var transport: Transport
  /// Whether any record had ranks sharing a core (their `rank_cores` overlap on one host).
  public var oversubscribed: Bool
  public var rankCounts: [Int]
  /// Message sizes of the allreduce and p2p records, bytes.
  public var bytes: [Int]
  /// Batches per rank of the train records.
  public var batches: [Int]

  public init(
    hosts: Int, ranksPerHost: [Int] = [], transport: Transport? = nil, oversubscribed: Bool = false,
    rankCounts: [Int] = [], bytes: [Int] = [], batches: [Int] = []
  ) {
    self.hosts = hosts
    self.ranksPerHost = ranksPerHost
    self.transport = transport ?? (hosts > 1 ? .network : .sharedMemory)
    self.oversubscribed = oversubscribed
    self.rankCounts = rankCounts
    self.bytes = bytes
    self.batches = batches
  }

  /// The ranks on each host one record ran on: counted from its rank hosts, else its ranks
  /// spread over its hosts (⌈ranks / hosts⌉); nil when it says neither.
  static func ranksPerHost(of record: Record) -> [Int]? {
    if let names = record.rankHosts { return Dictionary(grouping: names, by: { $0 }).values.map(\.count) }
    guard let ranks = record.ranks else { return nil }
    let hosts = max(record.hosts ?? 1, 1)
    return [(ranks + hosts - 1) / hosts]
  }

  /// The provenance of `records`; nil when there are none.
  public static func of(_ records: [Record]) -> MeasurementProvenance? {
    guard !records.isEmpty else { return nil }
    var hostNames = Set<String>()
    var hostCount = 1
    // The most hosts one record spans: runs each on one host, even on different hosts,
    // measured shared memory, not a network.
    var spanned = 1
    var perHost = Set<Int>()
    var oversubscribed = false
    for record in records {
      if let names = record.rankHosts {
        hostNames.formUnion(names)
        spanned = max(spanned, Set(names).count)
        if let cores = record.rankCores {
          oversubscribed = oversubscribed || CPUAffinity.ranksShareCores(hosts: names, lists: cores)
        }
      } else if let ranks = record.ranks {
        let hosts = max(record.hosts ?? 1, 1)
        hostCount = max(hostCount, hosts)
        spanned = max(spanned, hosts)
      }
      perHost.formUnion(ranksPerHost(of: record) ?? [])
    }
    let hosts = max(hostNames.count, hostCount)
    return MeasurementProvenance(
      hosts: hosts, ranksPerHost: perHost.sorted(), transport: spanned > 1 ? .network : .sharedMemory,
      oversubscribed: oversubscribed,
      rankCounts: Set(records.compactMap(\.ranks)).sorted(),
      bytes: Set(records.filter { $0.kind == .allreduce || $0.kind == .p2p }.compactMap(\.bytes)).sorted(),
      batches: Set(records.filter { $0.kind == .train }.compactMap(\.batchPerRank)).sorted())
  }

  /// `1 host over shared memory` or `4 hosts (2 ranks each) over a network, ranks sharing cores`.
  public var text: String {
    let each = ranksPerHost.count == 1 && hosts > 1 ? " (\(ranksPerHost[0]) ranks each)" : ""
    let shared = oversubscribed ? ", ranks sharing cores" : ""
    let separately = hosts > 1 && transport == .sharedMemory ? ", each run on one," : ""
    return "\(hosts) host\(hosts == 1 ? "" : "s")\(each)\(separately) over \(transport.text)\(shared)"
  }
}
