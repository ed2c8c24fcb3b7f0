import Foundation
import Measurements

/// Point-to-point latency and bandwidth between every pair of ranks of one p2p run: latency at
/// the smallest measured size, bandwidth at the largest, as docs/ARCHITECTURE.md
/// ("Metrics") defines for the p2p benchmark.
public struct LinkMatrix: Sendable {
  public var runId: String
  public var ranks: Int
  public var rankHosts: [String]
  public var latencyBytes: Int
  public var bandwidthBytes: Int
  /// [from][to], microseconds; nil on the diagonal and for pairs not measured.
  public var latencyUs: [[Double?]]
  /// [from][to], GB/s.
  public var bandwidthGbps: [[Double?]]

  /// One measured link: bandwidth from one rank to another.
  public struct Link: Sendable, Equatable {
    public var from: Int
    public var to: Int
    public var bandwidthGbps: Double
  }

  /// The matrix of the latest run that has p2p records, if any.
  public static func latest(in records: [Record]) -> LinkMatrix? {
    let p2p = records.filter { $0.kind == .p2p && $0.from != nil && $0.to != nil && $0.bytes != nil }
    guard let last = p2p.max(by: { $0.timestamp < $1.timestamp }) else { return nil }
    let run = p2p.filter { $0.runId == last.runId }
    let ranks = max(last.ranks ?? 0, (run.map { max($0.from!, $0.to!) }.max() ?? 0) + 1)
    let sizes = run.map { $0.bytes! }
    let small = sizes.min()!
    let large = sizes.max()!
    var latency = [[Double?]](repeating: [Double?](repeating: nil, count: ranks), count: ranks)
    var bandwidth = latency
    for record in run {
      let (from, to) = (record.from!, record.to!)
      guard from < ranks, to < ranks else { continue }
      if record.bytes == small, let value = record.latencyUs { latency[from][to] = value }
      if record.bytes == large, let value = record.bandwidthGbps { bandwidth[from][to] = value }
    }
    var hosts = last.rankHosts ?? []
    if hosts.count < ranks { hosts += (hosts.count..<ranks).map { _ in "?" } }
    return LinkMatrix(
      runId: last.runId, ranks: ranks, rankHosts: hosts, latencyBytes: small, bandwidthBytes: large,
      latencyUs: latency, bandwidthGbps: bandwidth)
  }

  /// "2 (node-b)".
  public func label(rank: Int) -> String { "\(rank) (\(rankHosts[rank]))" }

  /// Every measured link, row by row.
  public var links: [Link] {
    bandwidthGbps.enumerated().flatMap { from, row in
      row.enumerated().compactMap { to, value in value.map { Link(from: from, to: to, bandwidthGbps: $0) } }
    }
  }

  /// The slow hosts, slow links or slow fabric, judged against the best link (and `linkRate`).
  public func verdict(linkRate: DataRate? = nil) -> LinkVerdict? {
    LinkVerdict(links: self, linkRateGbps: linkRate.map { $0.bytesPerSecond / 1e9 })
  }
}
