import ArgumentParser
import Foundation
import Measurements

/// `dlscale demo`: the main job on this machine with no setup: allreduce over a size sweep and
/// the p2p matrix at 2 and 4 ranks, then a short summary of what was measured.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Measure this machine: allreduce and point-to-point at 2 and 4 ranks, with a summary.")

  @Option(help: "Directory for the results files.")
  var output = "dlscale-results"

  @Option(help: "Largest allreduce size.")
  var maxSize = "16MiB"

  @Option(help: "Seconds before one run is killed.")
  var timeout: Double = 300

  func validate() throws {
    _ = try parseSizes(maxSize, option: "--max-size")
  }

  func run() throws {
    let started = Date()
    let (mpirun, agent) = try Launcher.locate(mpirun: nil, agent: nil)
    let launcher = Launcher.local(mpirun: mpirun, agent: agent)
    let allreduceFile = ResultsFile(path: output + "/allreduce.jsonl")
    let p2pFile = ResultsFile(path: output + "/p2p.jsonl")
    try allreduceFile.prepare()
    try p2pFile.prepare()

    var collective: [Record] = []
    var pointToPoint: [Record] = []
    for ranks in [2, 4] {
      print("== allreduce, \(ranks) ranks ==")
      collective += try AgentRun(
        launcher: launcher, ranks: ranks, benchmark: "allreduce",
        arguments: ["--sizes", "8:\(maxSize)", "--algorithms", "mpi"], timeout: timeout, results: allreduceFile
      ).run()
      print("== point to point, \(ranks) ranks ==")
      pointToPoint += try AgentRun(
        launcher: launcher, ranks: ranks, benchmark: "p2p", arguments: ["--sizes", "8,1MiB"], timeout: timeout,
        results: p2pFile
      ).run()
    }
    print("")
    print(DemoSummary(allreduce: collective, pointToPoint: pointToPoint).text)
    print("Results: \(allreduceFile.path), \(p2pFile.path)")
    print(String(format: "Demo finished in %.0f s.", Date().timeIntervalSince(started)))
  }
}

/// The few lines a person reads after the demo.
struct DemoSummary {
  var allreduce: [Record]
  var pointToPoint: [Record]

  var text: String {
    var lines = ["Summary (this machine, \(Launcher.localCores) cores):"]
    for ranks in Set(allreduce.compactMap(\.ranks)).sorted() {
      let points = allreduce.filter { $0.ranks == ranks && $0.timeUs != nil }
      guard let smallest = points.min(by: { $0.bytes! < $1.bytes! }),
        let best = points.max(by: { $0.busbwGbps! < $1.busbwGbps! })
      else { continue }
      let wrong = points.compactMap(\.wrong).reduce(0, +)
      lines.append(
        String(
          format: "  allreduce %d ranks: %.1f us at %@, peak bus bandwidth %.2f GB/s at %@, %@", ranks,
          smallest.timeUs!.mean, ByteSize.format(smallest.bytes!), best.busbwGbps!, ByteSize.format(best.bytes!),
          wrong == 0 ? "all results validated" : "\(wrong) WRONG elements"))
    }
    for ranks in Set(pointToPoint.compactMap(\.ranks)).sorted() {
      let points = pointToPoint.filter { $0.ranks == ranks }
      guard let small = points.map({ $0.bytes! }).min(), let large = points.map({ $0.bytes! }).max() else { continue }
      let latencies = points.filter { $0.bytes == small }.compactMap(\.latencyUs)
      let bandwidths = points.filter { $0.bytes == large }
      guard let slowest = bandwidths.min(by: { $0.bandwidthGbps! < $1.bandwidthGbps! }),
        let fastest = bandwidths.max(by: { $0.bandwidthGbps! < $1.bandwidthGbps! })
      else { continue }
      lines.append(
        String(
          format: "  p2p %d ranks: latency %.1f-%.1f us; bandwidth %.2f-%.2f GB/s (slowest pair %d->%d)", ranks,
          latencies.min() ?? 0, latencies.max() ?? 0, slowest.bandwidthGbps!, fastest.bandwidthGbps!, slowest.from!,
          slowest.to!))
    }
    return lines.joined(separator: "\n")
  }
}
