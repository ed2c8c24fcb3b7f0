import Foundation

/// Running commands from tests: the package's own paths, and a child process's exit status and
/// combined output.
enum ProcessRunning {
  /// The package root, found from this file's path (Tests/CoordinatorTests/…).
  static let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  static let clusterScript = packageRoot + "/scripts/cluster.sh"

  struct Outcome: CustomStringConvertible {
    var status: Int32
    /// Standard output.
    var output: String
    /// Standard error (OpenMPI writes harmless warnings there, so it is kept apart).
    var errors: String
    /// Both, for messages that may go to either.
    var allText: String { output + errors }
    var description: String { "exit \(status): \(output)\(errors.isEmpty ? "" : "\nstderr: \(errors)")" }
  }

  /// Runs `arguments` through /usr/bin/env (so the first is looked up on PATH) with `extra`
  /// added to the environment; stops it after `seconds` with `timeout`.
  static func run(_ arguments: [String], environment extra: [String: String] = [:], seconds: Int = 60)
    throws -> Outcome
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["timeout", String(seconds)] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    // Standard error goes to a file so that neither stream can fill its pipe and stall the other.
    let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-stderr-\(UUID())")
    _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorsFile) }
    let errorsHandle = try FileHandle(forWritingTo: errorsFile)
    defer { try? errorsHandle.close() }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = errorsHandle
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errors = (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? ""
    return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self), errors: errors)
  }

  /// True when `command` is on PATH.
  static func isAvailable(_ command: String) -> Bool {
    (try? run(["sh", "-c", "command -v \(command)"]).status) == 0
  }
}
