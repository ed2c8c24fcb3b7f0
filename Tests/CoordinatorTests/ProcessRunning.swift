import Foundation
import TestSupport

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
  /// added to the environment, through the shared test support, which stops it after `seconds`.
  static func run(_ arguments: [String], environment extra: [String: String] = [:], seconds: Int = 60)
    throws -> Outcome
  {
    let result = try Executables.run(["/usr/bin/env"] + arguments, environment: extra, timeout: Double(seconds))
    // A run the watchdog stopped reads as `timeout`'s exit status 124.
    return Outcome(status: result.timedOut ? 124 : result.status, output: result.stdout, errors: result.stderr)
  }

  /// Whether `reason`, why a suite is skipped (nil when it runs), is true here, found without
  /// `isAvailable`: "needs root" only when not root, "needs TOOL ..." only when TOOL is one of
  /// `tools` and in no PATH folder, nil only as root with every one of `tools` on PATH. A suite
  /// skipped for a reason that does not hold would pass without ever running.
  static func skipReasonHolds(_ reason: String?, tools: [String]) -> Bool {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    let onPath = { (tool: String) in
      folders.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }
    guard let reason else { return getuid() == 0 && tools.allSatisfy(onPath) }
    if reason == "needs root" { return getuid() != 0 }
    guard reason.hasPrefix("needs ") else { return false }
    let tool = String(reason.dropFirst("needs ".count).prefix { !$0.isWhitespace })
    return tools.contains(tool) && !onPath(tool)
  }

  /// True when `command` is on PATH.
  static func isAvailable(_ command: String) -> Bool {
    (try? run(["sh", "-c", "command -v \(command)"]).status) == 0
  }
}
