import ArgumentParser
import Foundation

/// `dlscale`: plans and launches measurements through mpirun, fits models, predicts, reports.
@main
struct Coordinator: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlscale",
    abstract: "Measure and predict how data-parallel training scales on a cluster.",
    subcommands: [
      DemoCommand.self,
      // Measure.
      AllreduceCommand.self, P2PCommand.self, TrainCommand.self, SweepCommand.self, ClusterCommand.self,
      ImportCommand.self,
      // Understand.
      KernelsCommand.self, ModelsCommand.self, FitCommand.self, PredictCommand.self, OptimizeCommand.self,
      ReportCommand.self, SystemsCommand.self, GuideCommand.self,
      // Internal: runs mpirun so that it dies with the coordinator.
      SuperviseCommand.self,
    ]
  )

  /// Parses and runs; any error is one line on stderr and a non-zero exit (help stays help).
  static func main() {
    ChildGroup.installSignalHandlers()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      // Help and explicit exit codes carry no message of their own.
      if code == .success || error is CleanExit || error is ExitCode { exit(withError: error) }
      let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      printError("dlscale: error: \(message)")
      Foundation.exit(code.rawValue)
    }
  }
}
