import ArgumentParser
import Collectives
import CommandLineOptions
import Foundation
import Kernels
import Measurements

/// `dlscale-agent kernels`: every rank times the kernel cases (or training steps) of
/// `dlscale kernels` on its own node; rank 0 gathers the tables and records, prints each rank's
/// table under a line naming its host, and writes every record, each naming the host that
/// measured it.
struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract: "Time each layer kind's forward and backward pass on every rank's node.",
    discussion: """
      Start one rank per node: ranks that share a host time their kernels at the same time and \
      contend for its cores and memory bandwidth (a warning says so).
      """)

  @OptionGroup var kernel: KernelArguments

  @OptionGroup var outputOptions: OutputOptions

  var measurement: KernelMeasurement { kernel.measurement }

  func run() throws {
    // Before MPI starts: OpenBLAS reads its kernel choice and thread timeout only when it loads.
    BLAS.restartWithSuggestedEnvironmentIfNeeded(threads: kernel.threads)
    let sink = try RecordSink(options: outputOptions)
    try withMPI { world in
      let context = try RunContext.gather(on: world, runId: outputOptions.runId, command: outputOptions.command)
      if world.rank == 0, let warning = Self.sharingWarning(context.rankHosts) {
        printError("dlscale-agent: warning: \(warning)")
      }
      // Every rank has the host map; the core lists were gathered to rank 0 only.
      let measurer = KernelMeasurement.Measurer(
        host: context.rankHosts[world.rank], cores: CPUAffinity.current()?.description,
        mpiLibrary: context.mpiLibrary)
      var lines: [String] = []
      var records = try measurement.measure(runId: context.runId, by: measurer) { lines.append($0) }
      for index in records.indices { records[index].command = context.command }
      let encoded = try records.map { try $0.jsonLine() }.joined(separator: "\n")
      let tables = try world.gather(lines.joined(separator: "\n"), root: 0)
      let recordLines = try world.gather(encoded, root: 0)
      guard world.rank == 0 else { return }
      print("# dlscale kernels: \(context.ranks) rank(s) on \(context.hosts) host(s), one table per rank")
      print(context.bindingLine)
      for rank in 0..<world.size {
        print("# rank \(rank) on \(context.rankHosts[rank]):")
        for line in tables[rank].split(separator: "\n", omittingEmptySubsequences: false) { print(line) }
        for line in recordLines[rank].split(separator: "\n") { try sink.write(try Record.decode(line: String(line))) }
      }
    }
  }

  /// A warning naming each host that runs more than one rank, or nil when every rank has its own.
  static func sharingWarning(_ rankHosts: [String]) -> String? {
    let shared = Dictionary(grouping: rankHosts.indices, by: { rankHosts[$0] }).filter { $0.value.count > 1 }
    guard !shared.isEmpty else { return nil }
    let hosts = shared.sorted { $0.value[0] < $1.value[0] }.map { host, ranks in
      "ranks \(ranks.map(String.init).joined(separator: ", ")) share \(host)"
    }
    return
      "\(hosts.joined(separator: "; ")): their kernels contend for the host's cores and memory; start one rank per node"
  }
}
