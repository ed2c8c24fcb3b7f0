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

  /// A link whose bandwidth is below half the median of all links.
  public struct SlowLink: Sendable {
    public var from: Int
    public var to: Int
    public var bandwidthGbps: Double
    public var medianGbps: Double
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

  public var medianBandwidthGbps: Double? {
    let values = bandwidthGbps.flatMap { $0.compactMap { $0 } }.sorted()
    return values.isEmpty ? nil : Summary.percentile(values, 0.5)
  }

  public var slowestLink: SlowLink? {
    guard let median = medianBandwidthGbps else { return nil }
    var slowest: SlowLink?
    for (from, row) in bandwidthGbps.enumerated() {
      for (to, value) in row.enumerated() {
        guard let value else { continue }
        if slowest == nil || value < slowest!.bandwidthGbps {
          slowest = SlowLink(from: from, to: to, bandwidthGbps: value, medianGbps: median)
        }
      }
    }
    return slowest
  }

  /// Links below half the median bandwidth.
  public var slowLinks: [SlowLink] {
    guard let median = medianBandwidthGbps else { return [] }
    return bandwidthGbps.enumerated().flatMap { from, row in
      row.enumerated().compactMap { to, value in
        guard let value, value < 0.5 * median else { return nil }
        return SlowLink(from: from, to: to, bandwidthGbps: value, medianGbps: median)
      }
    }
  }

  /// The rank every slow link touches, when there is one: its host is the likely culprit.
  public var slowRank: Int? {
    let links = slowLinks
    guard links.count >= 2 else { return nil }
    return (0..<ranks).first { rank in links.allSatisfy { $0.from == rank || $0.to == rank } }
  }
}
