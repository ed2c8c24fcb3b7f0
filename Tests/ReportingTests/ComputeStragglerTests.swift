import Foundation
import Measurements
import Testing

@testable import Reporting

/// The report names a training rank that computes far slower than the fastest, on records of
/// real runs (Tests/fixtures/train-stragglers, see its README), and names nobody when every rank
/// computes alike.
struct ComputeStragglerTests {
  static func records(_ name: String) throws -> [Record] {
    let here = URL(fileURLWithPath: #filePath)
    let path = here.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("fixtures/train-stragglers/\(name).jsonl").path
    return try ResultsFile(path: path).read().records
  }

  static func stragglerFindings(_ records: [Record]) -> [String] {
    ScalingReport(records: records).observations.items.filter { $0.topic == "Straggler" && $0.needsAttention }
      .map(\.text)
  }

  @Test func ranksSharingACoreAreNamedAndTheRankWithItsOwnIsNot() throws {
    let records = try Self.records("three-ranks-on-one-core")
    #expect(records.first?.rankCores == ["0", "0", "0", "1"])
    let findings = Self.stragglerFindings(records)
    #expect(findings.count == 1, "\(findings)")
    let text = try #require(findings.first)
    for rank in 0...2 { #expect(text.contains("rank \(rank) ("), "\(text)") }
    #expect(!text.contains("rank 3 ("), "rank 3 computes alone on core 1: \(text)")
  }

  @Test func ranksThatComputeAlikeNameNobody() throws {
    let records = try Self.records("a-core-each")
    #expect(records.first?.rankComputeMs?.count == 2)
    #expect(Self.stragglerFindings(records).isEmpty)
  }

  /// Every rank slow alike is a slow machine, not a straggler; one rank at 1.4× is within the rule.
  @Test(arguments: [[300.0, 310.0, 305.0], [100.0, 140.0]])
  func noRankFarFromTheFastestIsNamed(times: [Double]) {
    var record = Record(kind: .train, runId: "r", timestamp: "t")
    record.ranks = times.count
    record.model = "deepmnist"
    record.rankComputeMs = times
    #expect(Self.stragglerFindings([record]).isEmpty)
  }
}
