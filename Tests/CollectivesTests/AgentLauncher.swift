import Foundation
import TestSupport
import Testing

/// Runs the built `dlscale-agent` under `mpirun` for the multi-rank tests (through the shared
/// test support, which oversubscribes when needed and stops a hung run).
enum AgentLauncher {
  struct Outcome {
    var status: Int32
    var output: String
    var errors: String
    var lines: [Substring] { output.split(separator: "\n") }
  }

  /// Runs `mpirun -np ranks dlscale-agent arguments...`; records an issue and returns nil when
  /// mpirun or the agent is missing.
  static func run(ranks: Int, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> Outcome?
  {
    guard Executables.mpirun != nil else {
      Issue.record(
        "mpirun not found on PATH: install openmpi-bin to run the multi-rank tests", sourceLocation: sourceLocation)
      return nil
    }
    guard FileManager.default.isExecutableFile(atPath: Executables.agent) else {
      Issue.record("dlscale-agent not built: run `swift build` before `swift test`", sourceLocation: sourceLocation)
      return nil
    }
    let result = try Executables.mpirunAgent(ranks: ranks, arguments)
    return Outcome(status: result.status, output: result.stdout, errors: result.stderr)
  }
}
