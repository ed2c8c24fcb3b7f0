import Foundation
import Measurements

/// What follows from the data, in words: the compute/communication ratio per model, which
/// models are interconnect-bound and which slowed by CPU contention on one host (`observeBound`),
/// the best algorithm per size, stragglers, slow hosts and links (`LinkVerdict`), and the
/// failures. The HTML page and summary.md both print these.
public struct Observations: Sendable {
  public struct Item: Sendable {
    public var topic: String
    public var text: String
    /// Something to act on (an interconnect-bound model, a straggler, a failure).
    public var needsAttention: Bool
  }

  /// One size range where one algorithm is the fastest.
  public struct BestAlgorithm: Sendable {
    public var ranks: Int
    public var fromBytes: Int
    public var toBytes: Int
    public var algorithm: String
  }

  /// Exposed communication above this fraction of the step makes a model interconnect-bound,
  /// when it is also the larger part of the step's growth over one rank (`observeBound`).
  public static let interconnectBoundFraction = 0.25
  /// Forward + backward per rank above this many times the 1-rank run's (same model, engine and
  /// batch per rank), with every rank on one host, is CPU contention: the ranks share the host's
  /// cores and memory bandwidth, which no interconnect explains.
  public static let contentionGrowth = 1.25
  /// A training rank whose compute takes more than this many times the fastest rank's is a
  /// straggler: judged against the fastest rank (what a healthy host computes), never against a
  /// median that several slow ranks would set.
  public static let computeStragglerFactor = 1.5

  /// A rank slowest in at least this share of allreduce points (and at least 4 of them) is a straggler.
  public static let stragglerShare = 0.75

  public var items: [Item] = []
  public var bestAlgorithms: [BestAlgorithm] = []

  public init(
    allreduce: [AllreduceSeries], links: LinkMatrix?, scaling: [ScalingSeries], failures: [Record],
    records: [Record], linkRate: DataRate? = nil
  ) {
    observeTraining(scaling)
    observeAlgorithms(allreduce)
    observeStragglers(records)
    observeComputeStragglers(records)
    let verdict = links?.verdict(linkRate: linkRate)
    if let verdict { observeTrainingOnSlowHosts(records, verdict: verdict) }
    for record in records where record.kind == .allreduce && (record.wrong ?? 0) > 0 {
      items.append(
        Item(
          topic: "Wrong results",
          text: "\(record.algorithm ?? "mpi") at \(record.ranks ?? 0) ranks, \(ByteSize.format(record.bytes ?? 0)): "
            + "\(record.wrong!) elements failed validation (run \(record.runId)); its timings are not to be trusted",
          needsAttention: true))
    }
    if let links, let verdict { observeLinks(links, verdict: verdict) }
    for failure in failures {
      var parameters = (failure.parameters ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
        separator: " ")
      if parameters.isEmpty { parameters = "run \(failure.runId)" }
      let reason = Self.firstErrorLine(failure.stderrTail) ?? failure.reason ?? "unknown reason"
      let status = failure.exitStatus.map { ", exit status \($0)" } ?? ""
      items.append(Item(topic: "Failure", text: "\(parameters): \(reason)\(status)", needsAttention: true))
    }
    putAttentionFirst()
  }

  /// What needs attention first, then the rest, each in the order found.
  private mutating func putAttentionFirst() {
    items = items.filter(\.needsAttention) + items.filter { !$0.needsAttention }
  }

  private mutating func observeTraining(_ scaling: [ScalingSeries]) {
    for series in scaling {
      let parallel = series.points.filter { $0.ranks > 1 }
      guard let largest = parallel.last ?? series.points.last else { continue }
      let name = series.name
      if let ratio = largest.computeToCommunication {
        items.append(
          Item(
            topic: "Compute/communication",
            text: "\(name): compute/communication ratio \(Self.fixed(ratio, 2)) at \(largest.ranks) ranks "
              + "(forward+backward \(Self.fixed((largest.forwardMs ?? 0) + (largest.backwardMs ?? 0), 1)) ms, "
              + "allreduce \(Self.fixed(largest.allreduceMs ?? 0, 1)) ms)",
            needsAttention: false))
      }
      if let timed = parallel.last(where: { $0.overlapRatio != nil }), let ratio = timed.overlapRatio {
        items.append(
          Item(
            topic: "Overlap",
            text: "\(name): step \(Self.fixed(ratio, 3))× the larger of compute alone "
              + "(\(Self.fixed(timed.computeAloneMs!, 1)) ms) and communication alone "
              + "(\(Self.fixed(timed.communicationAloneMs!, 1)) ms) at \(timed.ranks) ranks; 1 is perfect overlap",
            needsAttention: false))
      }
      observeBound(series, parallel: parallel, among: scaling)
      if let last = series.points.last, series.points.count > 1 {
        items.append(
          Item(
            topic: "Efficiency",
            text: "\(name): efficiency \(Self.percent(last.efficiency)) at \(last.ranks) ranks "
              + "(baseline \(series.baselineRanks) rank\(series.baselineRanks == 1 ? "" : "s"))",
            needsAttention: last.efficiency < 0.5))
      }
    }
  }

  /// What bounds the series' multi-rank steps. Compute per rank that grew by more than
  /// `contentionGrowth` over the 1-rank run (`OneRankReference`) with every rank on one host is
  /// CPU contention, and that point is not called interconnect-bound. A point is
  /// interconnect-bound when exposed communication is above `interconnectBoundFraction` of the
  /// step and is the larger part of the step's growth over the 1-rank step at its batch per
  /// rank, else over compute alone (`--alone-steps`); without either, the fraction alone decides.
  private mutating func observeBound(
    _ series: ScalingSeries, parallel: [ScalingSeries.Point], among all: [ScalingSeries]
  ) {
    let name = series.name
    func reference(_ point: ScalingSeries.Point) -> OneRankReference? {
      OneRankReference(of: series, batchPerRank: point.batchPerRank, among: all)
    }
    let contended = parallel.compactMap {
      point -> (point: ScalingSeries.Point, one: OneRankReference, shared: Double)? in
      guard point.hosts == 1, let shared = point.computeMs, let one = reference(point), let alone = one.computeMs,
        alone > 0, shared > Self.contentionGrowth * alone
      else { return nil }
      return (point, one, shared)
    }
    if let worst = contended.last {
      let alone = worst.one.computeMs!
      items.append(
        Item(
          topic: "CPU contention",
          text: "\(name): forward+backward grew from \(Self.fixed(alone, 1)) ms at \(worst.one.label) to "
            + "\(Self.fixed(worst.shared, 1)) ms at \(worst.point.ranks) ranks on one host "
            + "(\(Self.fixed(worst.shared / alone, 2))×): the ranks share its cores, so the step's growth "
            + "is not the interconnect's",
          needsAttention: true))
    }
    /// The step's growth over the 1-rank step, else over compute alone, and what it is over.
    func growth(_ point: ScalingSeries.Point) -> (ms: Double, over: String)? {
      if let one = reference(point) { return (point.stepMs - one.stepMs, one.label) }
      return point.computeAloneMs.map { (point.stepMs - $0, "compute alone") }
    }
    let judged = parallel.filter { point in !contended.contains { $0.point.ranks == point.ranks } }
    let exposedHigh = judged.filter { ($0.exposedFraction ?? 0) > Self.interconnectBoundFraction }
    let bound = exposedHigh.filter { point in
      guard let growth = growth(point) else { return true }
      return 2 * point.exposedCommMs! > growth.ms
    }
    if let first = bound.first {
      let explained = growth(first).map {
        " and \(Self.fixed(first.exposedCommMs!, 1)) ms of the step's \(Self.fixed($0.ms, 1)) ms growth over \($0.over)"
      }
      items.append(
        Item(
          topic: "Interconnect-bound",
          text: "\(name) is interconnect-bound from \(first.ranks) ranks: exposed communication is "
            + "\(Self.percent(first.exposedFraction!)) of the step\(explained ?? "") "
            + "(threshold \(Self.percent(Self.interconnectBoundFraction)))",
          needsAttention: true))
    } else if let high = exposedHigh.first, let growth = growth(high) {
      items.append(
        Item(
          topic: "Interconnect-bound",
          text: "\(name) is not interconnect-bound: exposed communication is \(Self.percent(high.exposedFraction!)) "
            + "of the step at \(high.ranks) ranks but only \(Self.fixed(high.exposedCommMs!, 1)) ms of its "
            + "\(Self.fixed(growth.ms, 1)) ms growth over \(growth.over)",
          needsAttention: false))
    } else if contended.isEmpty, let worst = judged.compactMap(\.exposedFraction).max() {
      items.append(
        Item(
          topic: "Interconnect-bound",
          text: "\(name) is compute-bound: exposed communication at most \(Self.percent(worst)) of the step",
          needsAttention: false))
    }
  }

  private mutating func observeAlgorithms(_ allreduce: [AllreduceSeries]) {
    // Algorithms compete at one rank count on one number of hosts (one node's link is not two's).
    let places = Set(allreduce.map { [$0.ranks, $0.hosts] }).sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
    for place in places {
      let (ranks, hosts) = (place[0], place[1])
      let group = allreduce.filter { $0.ranks == ranks && $0.hosts == hosts }
      let several = places.filter { $0[0] == ranks }.count > 1
      let label = several ? "\(ranks) ranks on \(hosts) host\(hosts == 1 ? "" : "s")" : "\(ranks) ranks"
      let sizes = Set(group.flatMap { $0.points.map(\.bytes) }).sorted()
      var ranges: [BestAlgorithm] = []
      for size in sizes {
        let candidates = group.compactMap { series in
          series.points.first { $0.bytes == size }.map { (series.name, $0.meanUs) }
        }
        guard let best = candidates.min(by: { $0.1 < $1.1 }) else { continue }
        if let last = ranges.last, last.algorithm == best.0 {
          ranges[ranges.count - 1].toBytes = size
        } else {
          ranges.append(BestAlgorithm(ranks: ranks, fromBytes: size, toBytes: size, algorithm: best.0))
        }
      }
      bestAlgorithms += ranges
      if group.count == 1 {
        items.append(
          Item(
            topic: "Best algorithm", text: "\(label): only \(group[0].name) was measured",
            needsAttention: false))
      } else {
        let text = ranges.map { "\(ByteSize.format($0.fromBytes))–\(ByteSize.format($0.toBytes)): \($0.algorithm)" }
        items.append(
          Item(topic: "Best algorithm", text: "\(label): " + text.joined(separator: "; "), needsAttention: false))
      }
    }
  }

  private mutating func observeStragglers(_ records: [Record]) {
    let timed = records.filter { $0.kind == .allreduce && $0.slowestRank != nil && $0.ranks != nil }
    for ranks in Set(timed.map { $0.ranks! }).sorted() where ranks > 1 {
      let group = timed.filter { $0.ranks == ranks }
      var counts: [Int: Int] = [:]
      for record in group { counts[record.slowestRank!, default: 0] += 1 }
      guard let (rank, count) = counts.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }) else { continue }
      let share = Double(count) / Double(group.count)
      let host = group.first?.rankHosts.flatMap { rank < $0.count ? $0[rank] : nil } ?? "?"
      if count >= 4 && share >= Self.stragglerShare {
        items.append(
          Item(
            topic: "Straggler",
            text:
              "rank \(rank) (\(host)) was the slowest rank in \(count) of \(group.count) allreduce points at \(ranks) ranks",
            needsAttention: true))
      } else {
        items.append(
          Item(
            topic: "Straggler",
            text:
              "no straggler at \(ranks) ranks: the most frequent slowest rank, \(rank), was slowest in \(count) of \(group.count) points",
            needsAttention: false))
      }
    }
  }

  /// Training runs in which some ranks compute far slower than the fastest: every synchronous
  /// step waits for them. Ranks that all compute alike (a uniformly slow machine) name nobody.
  private mutating func observeComputeStragglers(_ records: [Record]) {
    for run in records where run.kind == .train && (run.ranks ?? 1) > 1 {
      guard let times = run.rankComputeMs, times.count > 1, let fastest = times.min(), fastest > 0 else { continue }
      let slow = times.indices.filter { times[$0] > Self.computeStragglerFactor * fastest }
      guard !slow.isEmpty, slow.count < times.count else { continue }
      let named = slow.map { rank in
        let host = run.rankHosts.flatMap { rank < $0.count ? $0[rank] : nil } ?? "?"
        return "rank \(rank) (\(host)) \(Self.fixed(times[rank], 1)) ms, \(Self.fixed(times[rank] / fastest, 2))×"
      }
      items.append(
        Item(
          topic: "Straggler",
          text:
            "\(run.model ?? "training") at \(times.count) ranks: forward + backward of \(named.joined(separator: "; ")) "
            + "the fastest rank's \(Self.fixed(fastest, 1)) ms; every step waits for the slowest",
          needsAttention: true))
    }
  }

  private mutating func observeLinks(_ links: LinkMatrix, verdict: LinkVerdict) {
    for finding in verdict.findings(label: links.label(rank:)) {
      items.append(Item(topic: finding.kind.rawValue, text: finding.text, needsAttention: finding.needsAttention))
    }
  }

  /// Training runs with a rank on a host the p2p verdict names slow: a synchronous step waits for
  /// every rank, so each step's allreduce goes at that host's link, whatever the other hosts
  /// reach. Train records time the step over all ranks, not per rank; the verdict is what names
  /// the rank.
  private mutating func observeTrainingOnSlowHosts(_ records: [Record], verdict: LinkVerdict) {
    guard !verdict.judgesRanks else { return }
    let runs = records.filter { $0.kind == .train && ($0.ranks ?? 1) > 1 && $0.rankHosts != nil }
    for host in verdict.slowHosts {
      let placed = runs.filter { $0.rankHosts!.contains(host.host) }
      guard !placed.isEmpty else { continue }
      let ranks = Set(placed.flatMap { run in run.rankHosts!.indices.filter { run.rankHosts![$0] == host.host } })
      let models = Set(placed.compactMap(\.model)).sorted().joined(separator: ", ")
      let rankList = ranks.sorted().map(String.init).joined(separator: ", ")
      items.append(
        Item(
          topic: "Straggler",
          text: "rank\(ranks.count == 1 ? "" : "s") \(rankList) of \(placed.count) training "
            + "run\(placed.count == 1 ? "" : "s") (\(models)) ran on host \(host.host), slow in the p2p matrix "
            + "(\(LinkVerdict.range(host.slowestGbps, host.fastestGbps, of: verdict.bestGbps)) the best link, "
            + "confidence \(host.confidence.rawValue)): every step's allreduce waits on its link",
          needsAttention: true))
    }
  }

  static func firstErrorLine(_ text: String?) -> String? {
    guard let text else { return nil }
    let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    return lines.first { $0.lowercased().contains("error") } ?? lines.first { !$0.isEmpty && !$0.hasPrefix("---") }
  }

  static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
  static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }
  /// GB/s written in the unit that suits it.
  static func rate(_ gbps: Double) -> String { DataRate(bytesPerSecond: gbps * 1e9).bytesText }
}
