import Foundation

/// What a p2p matrix says about the fabric: the slow hosts, the slow links no slow host
/// explains, or a fabric slow everywhere. Links are judged against what the healthy part of the
/// fabric reaches, the best link between two hosts, never against a median: when most links
/// touch a slow host (3 hosts with one slow, 4 with two) the median is the slow rate itself and
/// nothing would stand out.
///
/// The rule, the one `dlscale p2p`'s closing summary and the report's findings print:
/// - Only links between different hosts count (ranks sharing a host talk within it, far faster); when
///   every rank is on one host, each rank stands for a host.
/// - A link is slow below half the best link (`slowFraction`).
/// - A host is slow when even its fastest link is slow: every link it has is slow while other
///   hosts reach the best between themselves, so the host (its NIC, cable or switch port) is
///   what its links have in common.
/// - A fabric whose best link is below half the link rate, when the rate is known, is slow
///   everywhere: no two hosts reach the rate, so the matrix cannot single out a host (2 hosts with
///   one slow, 3 with two, and a uniformly slow fabric all look alike).
public struct LinkVerdict: Sendable, Equatable {
  /// A link or host reaching less than this fraction of the best link (or of the link rate) is slow.
  public static let slowFraction = 0.5

  /// How sure the verdict is that a host, not the links to it, is slow.
  public enum Confidence: String, Sendable, Equatable {
    /// Every link is slow, seen from two or more healthy hosts, and its fastest reaches less than
    /// 0.4× the best: far from the threshold and from any one peer.
    case high
    /// Seen from two or more healthy hosts, but its fastest link is near half the best (0.4–0.5×).
    case medium
    /// Seen from one healthy host only (links not measured): the path to that host may be slow.
    case low
  }

  public struct SlowHost: Sendable, Equatable {
    /// The host's name (or "rank N" when every rank is on one host).
    public var host: String
    public var ranks: [Int]
    /// Its fastest link, GB/s: every other link of the host is slower.
    public var fastestGbps: Double
    public var slowestGbps: Double
    /// Links of the host that were measured (both directions), all slow.
    public var links: Int
    /// Healthy hosts it was measured against.
    public var healthyPeers: Int
    public var confidence: Confidence
  }

  /// The best link between hosts: what the healthy part of the fabric reaches.
  public var bestLink: LinkMatrix.Link
  public var bestGbps: Double { bestLink.bandwidthGbps }
  /// GB/s the links should reach, when known (`--link-rate`, models.json).
  public var linkRateGbps: Double?
  /// Links between hosts below half the best link (every link, when the fabric is slow
  /// everywhere), slowest first.
  public var slowLinks: [LinkMatrix.Link]
  public var slowHosts: [SlowHost]
  /// The slowest link between hosts (to say how far from the best the healthy fabric spreads).
  public var slowestLink: LinkMatrix.Link
  /// Every rank was on one host: each rank is judged as a host would be.
  public var judgesRanks: Bool

  /// Every link below half the link rate.
  public var isUniformlySlow: Bool {
    guard let linkRateGbps else { return false }
    return bestGbps < Self.slowFraction * linkRateGbps
  }

  /// Slow links that touch no slow host, in a fabric not slow everywhere.
  public var unexplainedSlowLinks: [LinkMatrix.Link] {
    guard !isUniformlySlow else { return [] }
    let slow = Set(slowHosts.flatMap(\.ranks))
    return slowLinks.filter { !slow.contains($0.from) && !slow.contains($0.to) }
  }

  /// Judges `links` (bandwidth at its largest size); nil when no link between hosts was measured.
  /// `linkRateGbps`, when known, names a fabric slow everywhere.
  public init?(links: LinkMatrix, linkRateGbps: Double? = nil) {
    judgesRanks = Set(links.rankHosts).count < 2
    let unitOf: (Int) -> String = judgesRanks ? { "rank \($0)" } : { links.rankHosts[$0] }
    let measured = links.links.filter { unitOf($0.from) != unitOf($0.to) }
    guard let best = measured.max(by: { $0.bandwidthGbps < $1.bandwidthGbps }),
      let slowest = measured.min(by: { $0.bandwidthGbps < $1.bandwidthGbps })
    else { return nil }
    bestLink = best
    slowestLink = slowest
    self.linkRateGbps = linkRateGbps
    let units = (0..<links.ranks).map(unitOf)
    let uniform = linkRateGbps.map { best.bandwidthGbps < Self.slowFraction * $0 } ?? false
    let threshold = Self.slowFraction * best.bandwidthGbps
    slowLinks =
      uniform
      ? measured.sorted { $0.bandwidthGbps < $1.bandwidthGbps }
      : measured.filter { $0.bandwidthGbps < threshold }.sorted { $0.bandwidthGbps < $1.bandwidthGbps }
    guard !uniform else {
      slowHosts = []
      return
    }
    var order: [String] = []
    for unit in units where !order.contains(unit) { order.append(unit) }
    let touching = { (unit: String) in measured.filter { unitOf($0.from) == unit || unitOf($0.to) == unit } }
    let slowUnits = order.filter { unit in
      let own = touching(unit)
      return !own.isEmpty && own.allSatisfy { $0.bandwidthGbps < threshold }
    }
    slowHosts = slowUnits.map { unit in
      let own = touching(unit)
      let peers = Set(own.map { unitOf($0.from) == unit ? unitOf($0.to) : unitOf($0.from) })
      let healthyPeers = peers.subtracting(slowUnits).count
      let fastest = own.map(\.bandwidthGbps).max()!
      let confidence: Confidence =
        healthyPeers < 2 ? .low : fastest < 0.4 * best.bandwidthGbps ? .high : .medium
      return SlowHost(
        host: unit, ranks: units.indices.filter { units[$0] == unit }, fastestGbps: fastest,
        slowestGbps: own.map(\.bandwidthGbps).min()!, links: own.count, healthyPeers: healthyPeers,
        confidence: confidence)
    }
  }

  /// One finding of the verdict, in words.
  public struct Finding: Sendable, Equatable {
    public enum Kind: String, Sendable {
      case slowHost = "Slow host"
      case slowLink = "Slow link"
      case slowFabric = "Slow fabric"
      case noSlowLink = "Links"
    }
    public var kind: Kind
    public var text: String
    public var needsAttention: Bool { kind != .noSlowLink }
  }

  /// The verdict in sentences, the most telling first: what `p2p` prints and the report's
  /// findings say. `label` names a rank ("2 (node-c)").
  public func findings(label: (Int) -> String) -> [Finding] {
    let best =
      "the best link, \(label(bestLink.from)) → \(label(bestLink.to)), reaches \(Self.rate(bestGbps))"
    if isUniformlySlow {
      return [
        Finding(
          kind: .slowFabric,
          text: "every link is slow: \(best), \(Self.ratio(bestGbps, linkRateGbps!)) the link rate "
            + "\(Self.rate(linkRateGbps!)); a slow fabric (or every host but at most one), not one slow host")
      ]
    }
    var found = slowHosts.map { host in
      Finding(
        kind: .slowHost,
        text: (judgesRanks ? "rank \(label(host.ranks[0]))" : "host \(host.host)")
          + " is slow (confidence \(host.confidence.rawValue)): all \(host.links) of its links "
          + "reach \(Self.range(host.slowestGbps, host.fastestGbps, of: bestGbps)) the best link "
          + "(\(Self.rate(bestGbps))), measured against \(host.healthyPeers) healthy "
          + "host\(host.healthyPeers == 1 ? "" : "s")")
    }
    for link in unexplainedSlowLinks {
      found.append(
        Finding(
          kind: .slowLink,
          text: "link \(label(link.from)) → \(label(link.to)) is slow: \(Self.rate(link.bandwidthGbps)), "
            + "\(Self.ratio(link.bandwidthGbps, bestGbps)) the best link (\(Self.rate(bestGbps))); its "
            + (judgesRanks ? "ranks" : "hosts") + " reach more on other links"))
    }
    if found.isEmpty {
      var text =
        "no slow link or host: every link between hosts reaches at least half the best, "
        + "\(label(bestLink.from)) → \(label(bestLink.to)) at \(Self.rate(bestGbps)); the slowest, "
        + "\(label(slowestLink.from)) → \(label(slowestLink.to)), reaches \(Self.rate(slowestLink.bandwidthGbps)) "
        + "(\(Self.ratio(slowestLink.bandwidthGbps, bestGbps)))"
      if let linkRateGbps {
        text += "; the best is \(Self.ratio(bestGbps, linkRateGbps)) the link rate \(Self.rate(linkRateGbps))"
      } else {
        text += "; a fabric slow everywhere is named only against its link rate (--link-rate)"
      }
      found.append(Finding(kind: .noSlowLink, text: text))
    }
    return found
  }

  static func rate(_ gbps: Double) -> String { Observations.rate(gbps) }
  static func ratio(_ value: Double, _ reference: Double) -> String { Observations.fixed(value / reference, 2) + "×" }
  /// "0.25×", or "0.24–0.26×" when the two differ in two decimals.
  static func range(_ low: Double, _ high: Double, of reference: Double) -> String {
    let (a, b) = (Observations.fixed(low / reference, 2), Observations.fixed(high / reference, 2))
    return a == b ? "\(a)×" : "\(a)–\(b)×"
  }
}
