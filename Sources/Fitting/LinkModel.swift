import Measurements

/// Point-to-point links from `p2p` records: per link (ordered rank pair) its latency (the
/// one-way time at the smallest measured size) and bandwidth (the best measured at the largest
/// size), and a Hockney fit t(n) = latency + n / bandwidth, weighted by 1/t, per link and over
/// every link at once. The overall latency and bandwidth are the medians over the links of the
/// measured figures: a line through all sizes is pulled by messages that fit a link's burst
/// allowance or the eager limit, so it is kept beside them (`fitted…`), not in their place.
public struct LinkModel: Codable, Sendable, Equatable {
  /// One link's figures.
  public struct Link: Codable, Sendable, Equatable {
    public var from: Int
    public var to: Int
    /// One-way latency at the smallest measured size, seconds.
    public var latencyS: Double
    /// Bandwidth at the largest measured size, bytes per second.
    public var bandwidthBytesPerS: Double
    /// The fitted line for this link, when it has two or more sizes.
    public var fittedLatencyS: Double?
    public var fittedBandwidthBytesPerS: Double?
    /// Whether both ranks ran on one host (shared memory); nil when the records did not say.
    public var sameHost: Bool?
  }

  /// The median over the links of their latency and bandwidth.
  public var latencyS: Double
  public var bandwidthBytesPerS: Double
  /// The line fitted over every link at once.
  public var fittedLatencyS: Double?
  public var fittedBandwidthBytesPerS: Double?
  public var links: [Link]
  /// Leave-one-size-out MAPE of the overall line, percent.
  public var mape: Double?

  /// The median latency and bandwidth of the links between ranks of one host, when the records
  /// placed ranks on more than one host (otherwise every link is within one host, and the
  /// overall figures are these).
  public var withinHost: (latencyS: Double, bandwidthBytesPerS: Double)? {
    let shared = links.filter { $0.sameHost == true }
    guard !shared.isEmpty, links.contains(where: { $0.sameHost == false }) else { return nil }
    return (Self.median(shared.map(\.latencyS)), Self.median(shared.map(\.bandwidthBytesPerS)))
  }

  /// The median latency and bandwidth of the links between ranks of different hosts; nil when
  /// the records placed no pair on different hosts.
  public var betweenHosts: (latencyS: Double, bandwidthBytesPerS: Double)? {
    let network = links.filter { $0.sameHost == false }
    guard !network.isEmpty else { return nil }
    return (Self.median(network.map(\.latencyS)), Self.median(network.map(\.bandwidthBytesPerS)))
  }

  /// A p2p measurement: one-way time for `bytes`.
  struct Transfer {
    var from: Int
    var to: Int
    var sameHost: Bool?
    var bytes: Int
    var seconds: Double
    var bandwidth: Double?
  }

  public static func fit(_ records: [Record]) throws -> LinkModel {
    let transfers: [Transfer] = records.compactMap { record in
      guard record.kind == .p2p, let from = record.from, let to = record.to, let bytes = record.bytes,
        let latency = record.latencyUs, latency > 0, latency.isFinite, bytes > 0
      else { return nil }
      let bandwidth = record.bandwidthGbps.flatMap { $0 > 0 && $0.isFinite ? $0 * 1e9 : nil }
      let hosts = record.rankHosts
      let sameHost = hosts.flatMap { names in
        from < names.count && to < names.count ? names[from] == names[to] : nil
      }
      return Transfer(
        from: from, to: to, sameHost: sameHost, bytes: bytes, seconds: latency * 1e-6, bandwidth: bandwidth)
    }
    let name = "links (p2p latency + bytes/bandwidth)"
    guard !transfers.isEmpty else { throw FittingError.tooFewPoints(model: name, needed: 2, found: 0) }
    let overall = try? fitLine(transfers, name: name)
    var links: [Link] = []
    let pairs = Set(transfers.map { [$0.from, $0.to] }).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
    for pair in pairs {
      let own = transfers.filter { $0.from == pair[0] && $0.to == pair[1] }
      let smallest = own.min { $0.bytes < $1.bytes }!
      let largestBytes = own.map(\.bytes).max()!
      let atLargest = own.filter { $0.bytes == largestBytes }
      let bandwidth =
        atLargest.compactMap(\.bandwidth).max()
        ?? atLargest.map { Double($0.bytes) / $0.seconds }.max()!
      let line = try? fitLine(own, name: name)
      links.append(
        Link(
          from: pair[0], to: pair[1], latencyS: smallest.seconds, bandwidthBytesPerS: bandwidth,
          fittedLatencyS: line?.latency, fittedBandwidthBytesPerS: line?.bandwidth, sameHost: smallest.sameHost))
    }
    let mape = MeanAbsolutePercentageError.leaveOneGroupOut(
      transfers, group: \.bytes, observed: \.seconds, fit: { try fitLine($0, name: name) },
      predict: { $0.latency + Double($1.bytes) / $0.bandwidth })
    return LinkModel(
      latencyS: median(links.map(\.latencyS)), bandwidthBytesPerS: median(links.map(\.bandwidthBytesPerS)),
      fittedLatencyS: overall?.latency, fittedBandwidthBytesPerS: overall?.bandwidth, links: links, mape: mape)
  }

  private static func median(_ values: [Double]) -> Double { Summary.percentile(values.sorted(), 0.5) }

  static func fitLine(_ transfers: [Transfer], name: String) throws -> (latency: Double, bandwidth: Double) {
    let sizes = Set(transfers.map(\.bytes)).count
    guard sizes >= 2 else { throw FittingError.tooFewPoints(model: name, needed: 2, found: sizes) }
    let problem = LinearLeastSquares.relative(
      rows: transfers.map { [1, Double($0.bytes)] }, values: transfers.map(\.seconds))
    guard let solution = problem.solveNonNegative(), solution[1] > 0 else { throw FittingError.singular(model: name) }
    return (solution[0], 1 / solution[1])
  }
}
