import Foundation

/// Tests/fixtures/pingpong.c, compiled with mpicc once per test run into the package's .build
/// folder, and readers of its output.
enum PingPongProgram {
  private static let built: Result<String, any Error> = Result {
    let folder = ProcessRunning.packageRoot + "/.build/fixtures"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let output = folder + "/pingpong"
    let compile = try ProcessRunning.run(
      ["mpicc", "-O2", "-o", output, ProcessRunning.packageRoot + "/Tests/fixtures/pingpong.c"])
    guard compile.status == 0 else { throw CompileError(outcome: compile) }
    return output
  }

  struct CompileError: Error, CustomStringConvertible {
    var outcome: ProcessRunning.Outcome
    var description: String { "mpicc failed: \(outcome)" }
  }

  /// The path of the compiled program.
  static func build() throws -> String { try built.get() }

  /// The node_ranks of every rank (its shared-memory communicator's size), in rank order.
  static func nodeRanks(_ output: String) -> [Int] {
    lines(output, starting: "rank ").compactMap { words in
      words.firstIndex(of: "node_ranks").flatMap { Int(words[$0 + 1]) }
    }
  }

  /// Ping-pong bandwidth in MB/s by peer host, from the fastest round trip.
  static func bandwidths(_ output: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for words in lines(output, starting: "pingpong ") {
      guard let host = words.firstIndex(of: "host"), let rate = words.firstIndex(of: "best_MBps"),
        let value = Double(words[rate + 1])
      else { continue }
      result[words[host + 1]] = value
    }
    return result
  }

  private static func lines(_ output: String, starting prefix: String) -> [[String]] {
    output.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { $0.split(separator: " ").map(String.init) }
  }
}
