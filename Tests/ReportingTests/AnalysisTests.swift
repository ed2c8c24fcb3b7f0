import Measurements
import Testing

@testable import Reporting

/// A train record with the fields the analysis reads.
func trainRecord(
  model: String = "m", scaling: String, ranks: Int, stepMs: Double, forward: Double = 10, backward: Double = 20,
  allreduce: Double = 5, exposed: Double = 1, update: Double = 2, globalBatch: Int = 64, commCpu: Double? = nil
) -> Record {
  var record = Record(kind: .train, runId: "r", timestamp: "2026-01-01T00:00:0\(ranks % 10).000Z")
  record.model = model
  record.scaling = scaling
  record.ranks = ranks
  record.stepMs = Summary(min: stepMs, mean: stepMs, median: stepMs, p95: stepMs, max: stepMs)
  record.forwardMs = forward
  record.backwardMs = backward
  record.allreduceMs = allreduce
  record.exposedCommMs = exposed
  record.commCpuMs = commCpu
  record.updateMs = update
  record.globalBatch = globalBatch
  record.samplesPerS = Double(globalBatch) / (stepMs / 1000)
  return record
}

@Test func weakAndStrongEfficiencyFollowTheirDefinitions() throws {
  let records = [
    trainRecord(scaling: "weak", ranks: 1, stepMs: 100), trainRecord(scaling: "weak", ranks: 4, stepMs: 125),
    trainRecord(scaling: "strong", ranks: 1, stepMs: 100), trainRecord(scaling: "strong", ranks: 4, stepMs: 40),
  ]
  let series = ScalingSeries.group(records)
  let weak = try #require(series.first { $0.scaling == "weak" })
  let strong = try #require(series.first { $0.scaling == "strong" })
  // Weak: t(1)/t(P) = 100/125; strong: t(1)/(P·t(P)) = 100/(4·40). Both exact in binary.
  #expect(weak.points.map(\.efficiency) == [1, 0.8])
  #expect(strong.points.map(\.efficiency) == [1, 0.625])
}

/// The training table shows the communication thread's CPU per step where the record has it
/// (older records do not: a dash).
@Test func theTrainingTableShowsTheCommunicationCPU() throws {
  let report = ScalingReport(records: [
    trainRecord(scaling: "weak", ranks: 1, stepMs: 100),
    trainRecord(scaling: "weak", ranks: 4, stepMs: 125, commCpu: 3.4),
  ])
  let table = report.trainingTable
  let column = try #require(table.headers.firstIndex(of: "comm CPU ms"))
  #expect(table.rows.map { $0[column] } == ["–", "3.4"])
}

/// Runs of one model that differ in batch or in how the ranks communicated are separate series,
/// each measured against the one-rank run of its own batch.
@Test func batchesAndSetupsAreSeparateSeries() throws {
  func record(ranks: Int, batch: Int, stepMs: Double, forward: Bool = false) -> Record {
    var record = trainRecord(model: "resnet50", scaling: "weak", ranks: ranks, stepMs: stepMs)
    record.batchPerRank = batch
    record.algorithm = "ring"
    record.bucketBytes = 4 << 20
    record.overlap = forward ? .forward : .on
    return record
  }
  let records = [
    record(ranks: 1, batch: 12, stepMs: 9000), record(ranks: 4, batch: 12, stepMs: 11000),
    record(ranks: 4, batch: 12, stepMs: 10000, forward: true), record(ranks: 4, batch: 2, stepMs: 7500),
    trainRecord(model: "sensornet", scaling: "weak", ranks: 1, stepMs: 30),
    trainRecord(model: "sensornet", scaling: "weak", ranks: 4, stepMs: 800),
  ]
  let series = ScalingSeries.group(records)
  #expect(
    series.map(\.name) == [
      "resnet50 (weak, batch 2)", "resnet50 (weak, batch 12, ring, 4MiB buckets, overlap forward)",
      "resnet50 (weak, batch 12, ring, 4MiB buckets, overlap on)", "sensornet (weak)",
    ])
  #expect(series.map { $0.points.map(\.ranks) } == [[4], [1, 4], [1, 4], [1, 4]])
  // Each batch-12 series against the same one-rank run: 9000/10000 and 9000/11000; batch 2 has
  // no one-rank run and is its own baseline.
  #expect(series.map { $0.points.last!.efficiency } == [1, 0.9, 9000.0 / 11000, 30.0 / 800])
  #expect(series[0].baselineRanks == 4)
  let report = ScalingReport(records: records)
  #expect(report.trainingTable.rows.map { $0[1] }.contains("weak, batch 12, ring, 4MiB buckets, overlap forward"))
  // The breakdown's bars are too narrow for such names: a letter each, spelled out in the caption.
  let breakdown = try #require(report.scalingCharts.first { $0.id == "breakdown-resnet50" })
  #expect(breakdown.caption.contains("A: weak, batch 2; B: weak, batch 12, ring, 4MiB buckets, overlap forward; C: "))
  #expect(breakdown.svg.contains(">B</text>") && !breakdown.svg.contains(">weak, batch 2</text>"))
  let plain = try #require(report.scalingCharts.first { $0.id == "breakdown-sensornet" })
  #expect(plain.svg.contains(">weak</text>"), "a model with one series keeps its scaling mode under each bar")
}

/// Runs that timed compute and communication alone show how close the step came to perfect
/// overlap, the larger of the two; older records (without them) show a dash and no finding.
@Test func theOverlapRatioComparesTheStepWithTheLargerAloneTime() throws {
  var timed = trainRecord(scaling: "weak", ranks: 4, stepMs: 115)
  timed.computeAloneMs = 100
  timed.commAloneMs = 80
  let report = ScalingReport(records: [trainRecord(scaling: "weak", ranks: 1, stepMs: 100), timed])
  let table = report.trainingTable
  let column = try #require(table.headers.firstIndex(of: "step/max alone"))
  #expect(table.rows.map { $0[column] } == ["–", "1.150"])
  let overlap = report.observations.items.filter { $0.topic == "Overlap" }
  #expect(overlap.count == 1)
  #expect(overlap.first?.text.contains("m (weak): step 1.150× the larger of compute alone (100.0 ms)") == true)
  let untimed = ScalingReport(records: [trainRecord(scaling: "weak", ranks: 4, stepMs: 115)])
  #expect(untimed.observations.items.allSatisfy { $0.topic != "Overlap" })
}

@Test func withoutOneRankTheSmallestCountIsTheBaseline() throws {
  let records = [
    trainRecord(scaling: "strong", ranks: 2, stepMs: 50), trainRecord(scaling: "strong", ranks: 8, stepMs: 20),
  ]
  let series = try #require(ScalingSeries.group(records).first)
  #expect(series.baselineRanks == 2)
  // 2·50 / (8·20) = 0.625.
  #expect(series.points.last?.efficiency == 0.625)
}

@Test func exposedCommunicationAboveAQuarterOfTheStepIsInterconnectBound() {
  let records = [
    trainRecord(model: "fast", scaling: "weak", ranks: 1, stepMs: 100, exposed: 0),
    trainRecord(model: "fast", scaling: "weak", ranks: 2, stepMs: 100, exposed: 25),  // exactly 25%: not above
    trainRecord(model: "slow", scaling: "weak", ranks: 1, stepMs: 100, exposed: 0),
    trainRecord(model: "slow", scaling: "weak", ranks: 2, stepMs: 100, exposed: 20),
    trainRecord(model: "slow", scaling: "weak", ranks: 4, stepMs: 100, exposed: 26),
  ]
  let observations = ScalingReport(records: records).observations
  let bound = observations.items.filter { $0.topic == "Interconnect-bound" }
  #expect(bound.first { $0.text.hasPrefix("fast") }?.needsAttention == false)
  let slow = bound.first { $0.text.hasPrefix("slow") }
  #expect(slow?.needsAttention == true)
  #expect(slow?.text.contains("from 4 ranks") == true, "\(slow?.text ?? "none")")
  let ratio = observations.items.first { $0.topic == "Compute/communication" && $0.text.hasPrefix("slow") }
  // (forward + backward) / allreduce = (10 + 20) / 5.
  #expect(ratio?.text.contains("ratio 6.00 at 4 ranks") == true, "\(ratio?.text ?? "none")")
}

func allreduceRecord(algorithm: String, ranks: Int, bytes: Int, meanUs: Double, slowest: Int, hosts: [String]? = nil)
  -> Record
{
  var record = Record(kind: .allreduce, runId: "a", timestamp: "2026-01-01T00:00:00.000Z")
  record.algorithm = algorithm
  record.ranks = ranks
  record.bytes = bytes
  record.timeUs = Summary(min: meanUs, mean: meanUs, median: meanUs, p95: meanUs, max: meanUs)
  record.slowestRank = slowest
  record.rankHosts = hosts
  return record
}

@Test func bestAlgorithmPerSizeIsCompressedIntoRanges() {
  var records: [Record] = []
  for (index, bytes) in [8, 64, 512, 4096].enumerated() {
    records.append(allreduceRecord(algorithm: "ring", ranks: 4, bytes: bytes, meanUs: index < 2 ? 20 : 30, slowest: 0))
    records.append(
      allreduceRecord(algorithm: "recursive-doubling", ranks: 4, bytes: bytes, meanUs: index < 2 ? 10 : 50, slowest: 1))
  }
  let best = ScalingReport(records: records).observations.bestAlgorithms
  #expect(best.map(\.algorithm) == ["recursive-doubling", "ring"])
  #expect(best.map(\.fromBytes) == [8, 512])
  #expect(best.map(\.toBytes) == [64, 4096])
}

@Test func aRankSlowestAgainAndAgainIsAStraggler() {
  let hosts = ["a", "b", "c<script>"]
  let records = (0..<8).map {
    allreduceRecord(algorithm: "mpi", ranks: 3, bytes: 8 << $0, meanUs: 10, slowest: $0 == 0 ? 0 : 2, hosts: hosts)
  }
  let straggler = ScalingReport(records: records).observations.items.first { $0.topic == "Straggler" }
  #expect(straggler?.needsAttention == true)
  #expect(
    straggler?.text.contains("rank 2 (c<script>) was the slowest rank in 7 of 8") == true,
    "\(straggler?.text ?? "none")")
}

func p2pRecord(from: Int, to: Int, bytes: Int, latency: Double, bandwidth: Double) -> Record {
  var record = Record(kind: .p2p, runId: "p", timestamp: "2026-01-01T00:00:00.000Z")
  (record.from, record.to, record.bytes, record.latencyUs, record.bandwidthGbps, record.ranks) = (
    from, to, bytes, latency, bandwidth, 3
  )
  record.rankHosts = ["n0", "n1", "slow-node"]
  return record
}

@Test func aHostWhoseEveryLinkIsSlowIsNamedWhateverTheMedian() throws {
  var records: [Record] = []
  for from in 0..<3 {
    for to in 0..<3 where from != to {
      let slow = from == 2 || to == 2
      records.append(p2pRecord(from: from, to: to, bytes: 8, latency: slow ? 40 : 5, bandwidth: 0.001))
      records.append(p2pRecord(from: from, to: to, bytes: 1 << 20, latency: 100, bandwidth: slow ? 0.01 : 0.025))
    }
  }
  let links = try #require(LinkMatrix.latest(in: records))
  #expect(links.latencyUs[0][2] == 40 && links.latencyUs[0][1] == 5, "latency from the smallest size")
  #expect(links.bandwidthGbps[1][0] == 0.025, "bandwidth from the largest size")
  // The median of {0.025 ×2, 0.01 ×4} is the slow rate; the best link (25 MB/s) is not.
  let verdict = try #require(links.verdict())
  #expect(verdict.bestGbps == 0.025)
  #expect(verdict.slowHosts.map(\.host) == ["slow-node"])
  #expect(verdict.slowLinks.count == 4)
  let fiveRanks = try #require(LinkMatrix.latest(in: linkRecords(ranks: 5, slowRank: 3))?.verdict())
  #expect(fiveRanks.slowHosts.map(\.host) == ["host3"])
  #expect(fiveRanks.slowHosts.first?.confidence == .high)
  let callout = ScalingReport(records: linkRecords(ranks: 5, slowRank: 3)).linkCallout ?? ""
  #expect(callout.hasPrefix("Slow host: host host3 is slow (confidence high): all 8 of its links"), "\(callout)")
}

func linkRecords(ranks: Int, slowRank: Int) -> [Record] {
  var records: [Record] = []
  for from in 0..<ranks {
    for to in 0..<ranks where from != to {
      var record = Record(kind: .p2p, runId: "q", timestamp: "2026-01-01T00:00:00.000Z")
      (record.from, record.to, record.bytes, record.ranks) = (from, to, 1 << 20, ranks)
      record.latencyUs = 10
      record.bandwidthGbps = from == slowRank || to == slowRank ? 0.008 : 0.024
      record.rankHosts = (0..<ranks).map { "host\($0)" }
      records.append(record)
    }
  }
  return records
}

@Test func allreducePointsThatFailedValidationAreCalledOut() {
  var bad = allreduceRecord(algorithm: "ring", ranks: 4, bytes: 4096, meanUs: 10, slowest: 0)
  bad.wrong = 12
  let good = allreduceRecord(algorithm: "ring", ranks: 4, bytes: 8192, meanUs: 12, slowest: 1)
  let items = ScalingReport(records: [bad, good]).observations.items.filter { $0.topic == "Wrong results" }
  #expect(items.count == 1)
  #expect(items.first?.text.hasPrefix("ring at 4 ranks, 4KiB: 12 elements failed validation") == true)
}

/// A slow link between two hosts that reach the best on their other links is a link, not a host.
@Test func aSlowLinkBetweenHealthyHostsIsNamedAsALink() throws {
  var records = linkRecords(ranks: 4, slowRank: -1)
  for index in records.indices where records[index].from == 0 && records[index].to == 1 {
    records[index].bandwidthGbps = 0.006
  }
  let links = try #require(LinkMatrix.latest(in: records))
  let verdict = try #require(links.verdict())
  #expect(verdict.slowHosts.isEmpty)
  #expect(verdict.unexplainedSlowLinks == [LinkMatrix.Link(from: 0, to: 1, bandwidthGbps: 0.006)])
  let findings = verdict.findings(label: links.label(rank:))
  #expect(findings.map(\.kind) == [.slowLink])
  #expect(findings.first?.text.hasPrefix("link 0 (host0) → 1 (host1) is slow: 6 MB/s, 0.25× the best link") == true)
}

/// Ranks on one host are judged as hosts would be, and said to be ranks.
@Test func onOneHostEachRankStandsForAHost() throws {
  var records = linkRecords(ranks: 3, slowRank: 2)
  for index in records.indices { records[index].rankHosts = ["node", "node", "node"] }
  let links = try #require(LinkMatrix.latest(in: records))
  let verdict = try #require(links.verdict())
  #expect(verdict.judgesRanks)
  #expect(verdict.slowHosts.map(\.host) == ["rank 2"])
  let text = verdict.findings(label: links.label(rank:)).first?.text ?? ""
  #expect(text.hasPrefix("rank 2 (node) is slow (confidence high): all 4 of its links reach 0.33×"), "\(text)")
}
