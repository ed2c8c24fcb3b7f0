import Foundation
import Measurements
import TestSupport
import Testing

/// The built agent under mpirun: every size validates exactly, including 0 and 1 elements, a
/// count not divisible by the rank count, and several MiB.
@Test(arguments: [1, 2, 3, 4])
func agentValidatesAllreduce(ranks: Int) throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/allreduce.jsonl"
  let sizes = "0,4,12,28,4100,3145732"
  let result = try Executables.mpirunAgent(
    ranks: ranks, ["allreduce", "--sizes", sizes, "--iterations", "5", "--warmup", "1", "--output", output])
  #expect(result.status == 0, "agent failed: \(result.stderr)")
  let records = try ResultsFile(path: output).read().records
  #expect(records.map(\.bytes) == [0, 4, 12, 28, 4100, 3_145_732])
  for record in records {
    #expect(record.kind == .allreduce)
    #expect(record.wrong == 0, "\(record.bytes!) bytes: \(record.wrong!) wrong")
    #expect(record.ranks == ranks)
    #expect(record.rankHosts?.count == ranks)
    #expect(record.iterations == 5)
    let time = try #require(record.timeUs)
    #expect(time.min <= time.mean && time.mean <= time.max && time.min >= 0)
    // Each rank's own iteration statistics, whose means are what `time_us` summarises.
    let perRank = try #require(record.rankTimeUs)
    #expect(perRank.count == ranks)
    for rank in perRank {
      #expect(rank.min <= rank.median && rank.median <= rank.p95 && rank.p95 <= rank.max && rank.min >= 0)
      #expect(rank.min <= rank.mean && rank.mean <= rank.max)
    }
    #expect(abs(perRank.map(\.mean).max()! - time.max) <= 1e-9 * max(1, time.max))
    #expect(abs(perRank.map(\.mean).min()! - time.min) <= 1e-9 * max(1, time.min))
    if ranks == 1 { #expect(record.busbwGbps == 0) }
  }
  #expect(result.stdout.contains("busbw(GB/s)"), "rank 0 prints the table")
}

@Test func agentMeasuresEveryOrderedPair() throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/p2p.jsonl"
  let result = try Executables.mpirunAgent(
    ranks: 3, ["p2p", "--sizes", "8,64KiB", "--iterations", "20", "--warmup", "2", "--output", output])
  #expect(result.status == 0, "agent failed: \(result.stderr)")
  let records = try ResultsFile(path: output).read().records
  #expect(records.count == 2 * 3 * 2)
  let pairs = Set(records.map { "\($0.from!)->\($0.to!)@\($0.bytes!)" })
  #expect(pairs.count == 12)
  for record in records {
    #expect(record.latencyUs! > 0)
    #expect(record.bandwidthGbps! > 0)
  }
  #expect(result.stdout.contains("latency (us) at 8B"))
}

@Test func agentRejectsUnknownAlgorithmInOneLine() throws {
  let result = try Executables.run([Executables.agent, "allreduce", "--algorithms", "bogus"])
  #expect(result.status != 0)
  #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
  #expect(result.stderr.contains("unknown algorithm 'bogus'"))
}

/// Waiting by polling with sleeps (`--poll-interval`) measures and validates the same way, for
/// the collective harness (every algorithm, barriers included) and the p2p matrix.
@Test func pollingWaitsMeasureAndValidate() throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/polling.jsonl"
  let allreduce = try Executables.mpirunAgent(
    ranks: 3,
    [
      "allreduce", "--sizes", "4,4100,1048576", "--algorithms", "mpi,ring,rabenseifner", "--iterations", "3",
      "--warmup", "1", "--poll-interval", "50", "--output", output,
    ])
  #expect(allreduce.status == 0, "agent failed: \(allreduce.stderr)")
  let p2p = try Executables.mpirunAgent(
    ranks: 2,
    ["p2p", "--sizes", "8,64KiB", "--iterations", "5", "--warmup", "1", "--poll-interval", "50", "--output", output])
  #expect(p2p.status == 0, "agent failed: \(p2p.stderr)")
  let records = try ResultsFile(path: output).read().records
  let collectives = records.filter { $0.kind == .allreduce }
  #expect(collectives.count == 9)
  #expect(collectives.allSatisfy { $0.wrong == 0 && ($0.timeUs?.mean ?? 0) > 0 })
  #expect(records.filter { $0.kind == .p2p }.count == 4)
}
