import ArgumentParser
import Foundation
import Measurements
import Reporting

/// `dlscale p2p`: launches agents that measure latency and bandwidth between every pair of ranks.
struct P2PCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "p2p",
    abstract: "Measure point-to-point latency and bandwidth between every pair of ranks.",
    discussion: """
      Latency is half a ping-pong round trip (osu_latency); bandwidth streams a window of \
      messages (osu_bw). The matrices show a slow host as a slow row and column; the closing \
      summary names the slow hosts, judged against the best link (and --link-rate).
      """)

  @OptionGroup var launch: LaunchOptions

  @Option(help: "Message sizes (the smallest gives the latency matrix, the largest the bandwidth matrix).")
  var sizes = "8,1MiB"

  @Option(help: "Timed iterations per size (default: OSU's).")
  var iterations: Int?

  @OptionGroup var poll: PollOptions

  @Option(
    name: .customLong("link-rate"),
    help: """
      The rate the links should reach: names a fabric slow everywhere (200mbit, 10Gbps and 10Gb/s are \
      bits, 1.25GB/s bytes per second).
      """,
    transform: UnitArgument.rate)
  var linkRate: DataRate?

  @Option(help: "Results file (JSONL, appended).")
  var output = "dlscale-results/p2p.jsonl"

  func validate() throws {
    _ = try parseSizes(sizes, option: "--sizes")
    if let iterations, iterations <= 0 { throw ValidationError("--iterations must be positive, got \(iterations)") }
    if launch.np < 2 { throw ValidationError("p2p needs at least 2 ranks (--np 2 or more)") }
  }

  func run() throws {
    let launcher = try launch.makeLauncher()
    let results = ResultsFile(path: output)
    try results.prepare()
    var arguments = ["--sizes", sizes]
    if let iterations { arguments += ["--iterations", "\(iterations)"] }
    arguments += poll.agentArguments
    let records = try AgentRun(
      launcher: launcher, ranks: launch.np, benchmark: "p2p", arguments: arguments, timeout: launch.timeout,
      results: results, parameters: ["sizes": sizes]
    ).run()
    print("dlscale: \(records.count) records appended to \(output)")
    if let linkRate { print("dlscale: link rate \(linkRate)") }
    if let links = LinkMatrix.latest(in: records), let verdict = links.verdict(linkRate: linkRate) {
      for finding in verdict.findings(label: links.label(rank:)) {
        print("\(finding.kind.rawValue): \(finding.text)")
      }
    }
  }
}
