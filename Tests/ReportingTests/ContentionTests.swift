import Measurements
import Testing

@testable import Reporting

/// Which findings call a run interconnect-bound (Tests/fixtures/contention): compute that grew
/// with ranks on one host is CPU contention; exposed communication that explains the step's
/// growth across hosts is interconnect-bound; exposed communication that does not is not.
struct ContentionTests {
  static func items(_ fixture: String) throws -> [Observations.Item] {
    ScalingReport(records: try ReportFixtures.records(at: "contention/" + fixture)).observations.items
  }

  /// Real records: `dlscale train --np 1` and `--np 2 --model sensornet --steps 3` on one
  /// two-core machine. Exposed communication is 70% of the 2-rank step and most of its growth,
  /// but forward + backward grew from 16.5 ms to 25.1 ms: the ranks share the host.
  @Test func computeGrownOnOneHostIsCPUContention() throws {
    let records = try ReportFixtures.records(at: "contention/one-host.jsonl")
    let one = try #require(records.first { $0.ranks == 1 })
    let two = try #require(records.first { $0.ranks == 2 })
    let alone = one.forwardMs! + one.backwardMs!
    let shared = two.forwardMs! + two.backwardMs!
    #expect(shared > Observations.contentionGrowth * alone, "the fixture's compute grew by more than 25%")
    let items = try Self.items("one-host.jsonl")
    let contention = try #require(items.first { $0.topic == "CPU contention" })
    #expect(
      contention.text.contains(
        "forward+backward grew from \(Observations.fixed(alone, 1)) ms at 1 rank to \(Observations.fixed(shared, 1)) ms at 2 ranks on one host"
      ), "\(contention.text)")
    #expect(contention.needsAttention)
    #expect(!items.contains { $0.topic == "Interconnect-bound" }, "\(items.map(\.text))")
  }

  /// Synthetic records, one rank per host: compute unchanged, 100 ms of exposed communication in
  /// a step 100 ms longer than one rank's.
  @Test func exposedCommunicationThatExplainsTheGrowthAcrossHostsIsInterconnectBound() throws {
    let items = try Self.items("across-hosts.jsonl")
    let bound = try #require(items.first { $0.topic == "Interconnect-bound" })
    #expect(bound.text.hasPrefix("sensornet (weak) is interconnect-bound from 2 ranks"), "\(bound.text)")
    #expect(bound.text.contains("100.0 ms of the step's 100.0 ms growth over 1 rank"), "\(bound.text)")
    #expect(bound.needsAttention)
    #expect(!items.contains { $0.topic == "CPU contention" })
  }

  /// Synthetic records across two hosts: exposed communication is 30% of the step (above the
  /// threshold) but 60 ms of a 165 ms growth; compute grew, on hosts of their own, so it is not
  /// contention either.
  @Test func exposedCommunicationThatDoesNotExplainTheGrowthIsNotInterconnectBound() throws {
    let items = try Self.items("slow-compute-across-hosts.jsonl")
    let verdict = try #require(items.first { $0.topic == "Interconnect-bound" })
    #expect(verdict.text.hasPrefix("textcnn (weak) is not interconnect-bound"), "\(verdict.text)")
    #expect(verdict.text.contains("60.0 ms of its 165.0 ms growth over 1 rank"), "\(verdict.text)")
    #expect(!verdict.needsAttention)
    #expect(!items.contains { $0.topic == "CPU contention" }, "compute grew across hosts, not on one")
  }

  /// A strong-scaling point at a batch per rank no 1-rank run had is judged against the line
  /// between the 1-rank runs around it (real records of Tests/fixtures/report/train.jsonl:
  /// batches 8 and 32 at 1 rank, 16 per rank at 2 ranks).
  @Test func aBatchBetweenOneRankRunsIsJudgedAgainstTheLineBetweenThem() throws {
    let report = ScalingReport(records: try ReportFixtures.records(at: "report/train.jsonl"))
    let strong = try #require(report.scaling.first { $0.scaling == "strong" })
    let two = try #require(strong.points.first { $0.ranks == 2 })
    let reference = try #require(OneRankReference(of: strong, batchPerRank: two.batchPerRank, among: report.scaling))
    let ones = report.scaling.flatMap(\.points).filter { $0.ranks == 1 }
    let at8 = try #require(ones.first { $0.batchPerRank == 8 }?.computeMs)
    let at32 = try #require(ones.first { $0.batchPerRank == 32 }?.computeMs)
    let expected = at8 + (at32 - at8) * (16.0 - 8.0) / (32.0 - 8.0)
    #expect(abs(reference.computeMs! - expected) <= 1e-9 * expected)
    #expect(reference.label == "1 rank (between batches 8 and 32)")
    #expect(!report.observations.items.contains { $0.topic == "Interconnect-bound" && $0.text.contains("sensornet") })
  }
}
