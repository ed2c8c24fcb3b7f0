import Foundation
import Measurements
import Testing

@testable import Reporting

/// `LinkVerdict` on p2p matrices of real emulated clusters (Tests/fixtures/p2p-hosts, see its
/// README): 2 to 5 hosts at 200 Mbit/s with none, one or two of them at 50 Mbit/s, and a cluster
/// at 50 Mbit/s everywhere. Each case names exactly the slow hosts, or none.
struct SlowHostTests {
  static let directory: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/p2p-hosts")
      .path
  }()

  /// A fixture, the link rate given, and what the verdict must say.
  struct Case: Sendable, CustomTestStringConvertible {
    var cluster: String
    var linkRate: String?
    var slowHosts: [String]
    var kinds: [LinkVerdict.Finding.Kind]
    var testDescription: String { cluster + (linkRate.map { " at \($0)" } ?? "") }
  }

  static let cases: [Case] = {
    // One slow host of 2, or two of 3, or all of them: no two hosts reach the rate between
    // themselves, so the matrix cannot single out a host; against the link rate the fabric is
    // slow everywhere.
    let alike = ["s22h2a", "s22h3b", "s22u4"].flatMap { cluster in
      [
        Case(cluster: cluster, linkRate: nil, slowHosts: [], kinds: [.noSlowLink]),
        Case(cluster: cluster, linkRate: "200mbit", slowHosts: [], kinds: [.slowFabric]),
      ]
    }
    let named: [(String, [String])] = [
      ("s22h2n", []), ("s22h3n", []), ("s22h4n", []), ("s22h5n", []),
      ("s22h3a", ["h2"]), ("s22h4a", ["h1"]), ("s22h5a", ["h3"]),
      ("s22h4b", ["h2", "h4"]), ("s22h5b", ["h1", "h4"]), ("s22m3", ["h3"]),
    ]
    return alike
      + named.flatMap { cluster, hosts in
        [nil, "200mbit"].map { rate in
          Case(
            cluster: cluster, linkRate: rate, slowHosts: hosts.map { "dls-\(cluster)-\($0)" },
            kinds: hosts.isEmpty ? [.noSlowLink] : hosts.map { _ in .slowHost })
        }
      }
  }()

  static func report(_ files: String..., linkRate: String? = nil) throws -> ScalingReport {
    let records = try ResultsInput.read(paths: files.map { directory + "/\($0).jsonl" }).records
    return ScalingReport(records: records, linkRate: try linkRate.map { try DataRate(parsing: $0) })
  }

  @Test(arguments: cases)
  func namesExactlyTheSlowHosts(_ test: Case) throws {
    let report = try Self.report(test.cluster, linkRate: test.linkRate)
    let links = try #require(report.links)
    let verdict = try #require(links.verdict(linkRate: report.ceiling))
    #expect(verdict.slowHosts.map(\.host) == test.slowHosts, "\(verdict.findings(label: links.label(rank:)))")
    #expect(verdict.unexplainedSlowLinks.isEmpty, "\(verdict.slowLinks)")
    let findings = verdict.findings(label: links.label(rank:))
    #expect(findings.map(\.kind) == test.kinds, "\(findings)")
    // Every link between hosts that touches a slow host is slow, and no other link is.
    let slowRanks = Set(verdict.slowHosts.flatMap(\.ranks))
    let expectedSlow = links.links.filter {
      links.rankHosts[$0.from] != links.rankHosts[$0.to] && (slowRanks.contains($0.from) || slowRanks.contains($0.to))
    }
    if !verdict.isUniformlySlow { #expect(verdict.slowLinks.count == expectedSlow.count) }
    #expect(verdict.slowHosts.allSatisfy { $0.confidence == .high && $0.healthyPeers >= 2 })
  }

  /// The case: 3 hosts, one at a quarter of the rate. Four of the six links touch it,
  /// so a median is the slow rate; the best link is not.
  @Test func summaryAndPageNameTheSlowHostOfThree() throws {
    let report = try Self.report("s22h3a")
    let summary = report.markdownSummary()
    #expect(
      summary.contains("- **Slow host**: host dls-s22h3a-h2 is slow (confidence high): all 4 of its links reach 0.25"),
      "\(summary)")
    #expect(!summary.contains("Slow link"), "\(summary)")
    let callout = report.linkCallout ?? ""
    #expect(callout.hasPrefix("Slow host: host dls-s22h3a-h2 is slow"), "\(callout)")
    #expect(report.htmlPage().contains("host dls-s22h3a-h2 is slow"))
  }

  @Test func aFabricSlowEverywhereNamesNoHost() throws {
    let report = try Self.report("s22u4", linkRate: "200mbit")
    let items = report.observations.items.filter { $0.topic == LinkVerdict.Finding.Kind.slowFabric.rawValue }
    #expect(items.count == 1)
    #expect(items.first?.needsAttention == true)
    #expect(items.first?.text.contains("the link rate 25 MB/s; a slow fabric") == true, "\(items)")
    #expect(!report.markdownSummary().contains("Slow host"))
  }

  /// Two slow hosts of four: each is slow on its own, not the median.
  @Test func twoSlowHostsOfFourAreBothNamedInTheFindings() throws {
    let items = try Self.report("s22h4b").observations.items.filter { $0.topic == "Slow host" }
    #expect(
      items.map { $0.text.prefix(while: { $0 != "(" }) } == [
        "host dls-s22h4b-h2 is slow ", "host dls-s22h4b-h4 is slow ",
      ])
    #expect(items.allSatisfy { $0.needsAttention })
  }

  /// Two ranks per host: the links inside a host (GB/s over loopback) are not the reference,
  /// or every link between hosts would be slow.
  @Test func linksInsideAHostAreNotJudged() throws {
    let links = try #require(try Self.report("s22m3").links)
    let verdict = try #require(links.verdict())
    #expect(verdict.bestGbps < 0.03, "best \(verdict.bestGbps) GB/s is a link between hosts")
    #expect(links.bandwidthGbps[0][1]! > 0.5, "ranks 0 and 1 share a host")
    let slow = try #require(verdict.slowHosts.first)
    #expect(slow.ranks == [4, 5])
    #expect(slow.links == 16)
    #expect(verdict.slowLinks.count == 16)
  }

  /// A real 3-rank sensornet run with one host at a quarter rate, beside the p2p matrix of the
  /// same cluster: the rank on that host is the training run's straggler; on the healthy cluster
  /// no rank is.
  @Test func aTrainingRankOnASlowHostIsTheStraggler() throws {
    let slow = try Self.report("s22t3-train", "s22t3-p2p").observations.items.filter { $0.topic == "Straggler" }
    #expect(slow.count == 1)
    #expect(
      slow.first?.text.hasPrefix(
        "rank 1 of 1 training run (sensornet) ran on host dls-s22t3-h2, slow in the p2p matrix (0.25× the best link")
        == true, "\(slow)")
    #expect(slow.allSatisfy { $0.needsAttention })
    let healthy = try Self.report("s22t3n-train", "s22t3n-p2p").observations.items
    #expect(!healthy.contains { $0.topic == "Straggler" || $0.topic == "Slow host" }, "\(healthy.map(\.text))")
    #expect(healthy.contains { $0.topic == "Compute/communication" }, "the training run was read")
  }
}
