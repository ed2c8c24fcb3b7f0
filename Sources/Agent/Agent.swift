import ArgumentParser
import Collectives
import Foundation
import Measurements

/// `dlscale-agent`: one MPI rank of a dlscale run, started by `mpirun`. One subcommand per
/// benchmark; rank 0 prints the table and writes the records.
@main
struct Agent: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlscale-agent",
    abstract: "An MPI rank of a dlscale run (started by mpirun; see `dlscale --help`).",
    subcommands: [
      AllreduceCommand.self, KernelsCommand.self, P2PCommand.self, TrainCommand.self, VerifyCommand.self,
    ]
  )

  /// Parses and runs; any error is one line on stderr and a non-zero exit (help stays help).
  static func main() {
    LauncherWatch.start()
    do {
      try bindToMachineCores()
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      // Help and explicit exit codes carry no message of their own.
      if code == .success || error is CleanExit || error is ExitCode { exit(withError: error) }
      let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      printError("dlscale-agent: error: \(message)")
      Foundation.exit(code.rawValue)
    }
  }

  /// Emulated hosts' ranks bind themselves, by world rank, to cores of their own on this machine
  /// (`MachineCoreBinding`), before MPI or any compute thread starts.
  static func bindToMachineCores() throws {
    guard let (binding, rank) = MachineCoreBinding.requested(in: ProcessInfo.processInfo.environment) else { return }
    let cores = binding.cores(ofRank: rank)
    guard cores.last! < ProcessInfo.processInfo.activeProcessorCount else {
      throw AgentError("rank \(rank) was asked for cores \(CPUAffinity(cores: cores)), beyond this machine's")
    }
    try CPUAffinity(cores: cores).applyToProcess()
  }
}
