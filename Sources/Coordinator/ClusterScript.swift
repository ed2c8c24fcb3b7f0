import Foundation

/// Finds and runs `scripts/cluster.sh`, the script that builds and removes emulated clusters.
///
/// It is looked for in `$DLSCALE_SCRIPTS` if set, else in a `scripts` folder found by walking up
/// from the running executable (the package root, for a `.build/…/dlscale`), else from the
/// current directory.
enum ClusterScript {
  static let fileName = "cluster.sh"

  struct NotFound: Error, CustomStringConvertible {
    var searched: [String]
    var description: String {
      "cannot find scripts/\(ClusterScript.fileName) (looked in: \(searched.joined(separator: ", "))); set DLSCALE_SCRIPTS to the folder holding it"
    }
  }

  /// The script's path, or `NotFound` listing where it looked.
  static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    executablePath: String? = runningExecutablePath(),
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) throws -> String {
    let fileManager = FileManager.default
    if let folder = environment["DLSCALE_SCRIPTS"], !folder.isEmpty {
      let path = (folder as NSString).appendingPathComponent(fileName)
      guard fileManager.fileExists(atPath: path) else { throw NotFound(searched: [folder]) }
      return path
    }
    var searched: [String] = []
    let starts = [executablePath.map { ($0 as NSString).deletingLastPathComponent }, currentDirectory]
    for start in starts.compactMap({ $0 }) {
      var folder = start
      while true {
        let candidate = (folder as NSString).appendingPathComponent("scripts/\(fileName)")
        if fileManager.fileExists(atPath: candidate) { return candidate }
        let parent = (folder as NSString).deletingLastPathComponent
        if parent == folder || parent.isEmpty { break }
        folder = parent
      }
      searched.append("\(start) and above")
    }
    throw NotFound(searched: searched)
  }

  /// The running executable, with symbolic links resolved (Linux: /proc/self/exe).
  static func runningExecutablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    return Bundle.main.executablePath
  }

  /// Runs the script with `arguments`, its output going to this process's standard output and
  /// error; returns its exit status.
  static func run(_ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", try locate()] + arguments
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
