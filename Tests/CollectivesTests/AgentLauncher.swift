import Foundation
import Testing

/// Runs the built `dlscale-agent` under `mpirun` for the multi-rank tests.
enum AgentLauncher {
  struct Outcome {
    var status: Int32
    var output: String
    var errors: String
    var lines: [Substring] { output.split(separator: "\n") }
  }

  /// Where `swift build` puts `dlscale-agent`: beside the test bundle, else `.build/debug`.
  static func agentPath() -> String? {
    var candidates: [String] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      candidates.append(
        URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("dlscale-agent").path)
    }
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    candidates.append(packageRoot.appendingPathComponent(".build/debug/dlscale-agent").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// `mpirun` on PATH, or nil.
  static func mpirunPath() -> String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return directories.map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs `mpirun -np ranks dlscale-agent arguments...`; records an issue and returns nil when
  /// mpirun or the agent is missing.
  static func run(ranks: Int, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> Outcome?
  {
    guard let mpirun = mpirunPath() else {
      Issue.record(
        "mpirun not found on PATH: install openmpi-bin to run the multi-rank tests", sourceLocation: sourceLocation)
      return nil
    }
    guard let agent = agentPath() else {
      Issue.record("dlscale-agent not built: run `swift build` before `swift test`", sourceLocation: sourceLocation)
      return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirun)
    process.arguments =
      ["-np", "\(ranks)", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1", agent] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    // Standard error goes to a file and standard output is read to its end before waiting,
    // so that neither can fill a pipe and block the job.
    let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-agent-\(UUID()).err")
    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorsFile) }
    let errors = try FileHandle(forWritingTo: errorsFile)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errors.close()
    let errorData = (try? Data(contentsOf: errorsFile)) ?? Data()
    return Outcome(
      status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
      errors: String(decoding: errorData, as: UTF8.self))
  }
}
