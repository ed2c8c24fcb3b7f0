import ArgumentParser
import CommandLineOptions
import Foundation
import Kernels
import Measurements

/// `dlscale kernels`: microbenchmarks of each layer kind over shapes typical of the reference
/// models, forward and backward, beside the bare SGEMM of the GEMM-heavy ones; in this process,
/// or with the launch options on the agents, one measurement per rank on the rank's own node.
struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract: "Time each layer kind's forward and backward pass over typical shapes.",
    discussion: """
      Without launch options the kernels are timed in this process, on this machine. With \
      --np, --hostfile, --cluster or --launcher srun, every agent rank times them on its own \
      node and rank 0 prints each rank's table under a line naming its host; give one rank per \
      node (ranks that share a host contend for its cores and memory). Every record names the \
      host that measured it (rank_hosts) and says ranks 1.
      """)

  @OptionGroup var kernel: KernelArguments

  @Option(
    name: .long,
    help:
      "Append kernel records to this JSON-lines results file (on the agents: default dlscale-results/kernels.jsonl)."
  )
  var output: String?

  @OptionGroup var launch: LaunchOptions

  var measurement: KernelMeasurement { kernel.measurement }

  func run() throws {
    if Self.asksForAgents(CommandLine.arguments, launcher: launch.launcher) {
      try runOnAgents()
    } else {
      try runHere()
    }
  }

  /// Whether the command line places ranks (--np, --hostfile, --cluster, --launcher srun):
  /// then the agents measure; otherwise this process does.
  static func asksForAgents(_ arguments: [String], launcher: Launcher.Kind) -> Bool {
    if launcher == .srun { return true }
    var words = arguments.dropFirst()[...]
    while let word = words.popFirst() {
      if word == "--mpirun-arg" {
        _ = words.popFirst()  // its value is mpirun's, not ours
        continue
      }
      let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
      if ["--np", "--hostfile", "--cluster"].contains(name) { return true }
    }
    return false
  }

  private func runHere() throws {
    BLAS.restartWithSuggestedEnvironmentIfNeeded(threads: kernel.threads)
    let results = output.map(ResultsFile.init(path:))
    try results?.prepare()
    var records = try measurement.measure(by: .thisProcess) { print($0) }
    for index in records.indices { records[index].command = CommandLine.arguments }
    guard let results else { return }
    try results.append(records)
    if kernel.network == nil { print("\(records.count) records appended to \(results.path)") }
  }

  private func runOnAgents() throws {
    let launcher = try launch.makeLauncher()
    let path = output ?? "dlscale-results/kernels.jsonl"
    let results = ResultsFile(path: path)
    try results.prepare()
    let records = try AgentRun(
      launcher: launcher, ranks: launch.np, benchmark: "kernels", arguments: measurement.agentArguments,
      threads: kernel.threads, timeout: launch.timeout, results: results,
      parameters: ["layers": kernel.layers, "batch": "\(kernel.batch)"]
    ).run()
    print("dlscale: \(records.count) records appended to \(path)")
  }
}
