import ArgumentParser
import Foundation

/// `dlscale-agent`: one MPI rank of a dlscale run, started by `mpirun`. One subcommand per
/// benchmark; rank 0 prints the table and writes the records.
@main
struct Agent: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlscale-agent",
    abstract: "An MPI rank of a dlscale run (started by mpirun; see `dlscale --help`).",
    subcommands: [
      AllreduceCommand.self, P2PCommand.self, TrainCommand.self, VerifyCommand.self,
    ]
  )

  /// Parses and runs; any error is one line on stderr and a non-zero exit (help stays help).
  static func main() {
    LauncherWatch.start()
    do {
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
}
