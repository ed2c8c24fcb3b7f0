import Foundation
import Measurements

/// One launch of the agents for one measured point (or a sweep of sizes): runs mpirun, echoes
/// the agents' table as progress, appends each record to the results file as it arrives, and
/// turns a failed or timed-out run into a `failure` record and a thrown one-line error.
struct AgentRun {
  var launcher: Launcher
  var ranks: Int
  var benchmark: String
  /// What the run is called in a failure (and its record's `benchmark`): the benchmark unless
  /// the program launched is not the agent (the PyTorch engine's script: "train").
  var name: String?
  var arguments: [String]
  /// Compute threads per rank: the cores each rank is bound to.
  var threads = 1
  var timeout: Double
  var results: ResultsFile
  /// Echo the agents' table lines to stdout.
  var echo = true
  /// Parameters that identify the point, written into a failure record.
  var parameters: [String: String] = [:]
  /// For sweeps: the plan's name and the point's key, stamped on every record; the point's
  /// records are then appended together when it succeeds, so a point is in the file whole or not
  /// at all.
  var sweep: (name: String, point: String)?

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs the point; returns the records written.
  @discardableResult
  func run() throws -> [Record] {
    let runId = Record.newRunId()
    let origin = String(decoding: try JSONEncoder().encode(CommandLine.arguments), as: UTF8.self)
    let argv = launcher.arguments(
      ranks: ranks, threads: threads, benchmark: benchmark,
      arguments: arguments + ["--emit-records", "--run-id", runId, "--origin-command", origin])
    if let warning = launcher.sharingWarning(ranks: ranks, threads: threads) {
      printError("dlscale: warning: \(warning)")
    }
    var records: [Record] = []
    let runner = ProcessRunner(arguments: argv, environment: launcher.environment, timeout: timeout)
    let outcome = try runner.run(
      onStdout: { line in
        if line.hasPrefix("DLSCALE-RECORD ") {
          var record = try Record.decode(line: String(line.dropFirst("DLSCALE-RECORD ".count)))
          record.sweep = sweep?.name
          record.sweepPoint = sweep?.point
          if sweep == nil { try results.append(record) }
          records.append(record)
        } else if echo {
          print(line)
          fflush(nil)
        }
      },
      onStderr: { line in printError(line) })
    guard outcome.status != 0 || outcome.timedOut else {
      if sweep != nil { try results.append(records) }
      return records
    }

    var failure = Record(kind: .failure, runId: runId)
    failure.ranks = ranks
    failure.command = CommandLine.arguments
    failure.exitStatus = Int(outcome.status)
    failure.stderrTail = outcome.stderrTail.joined(separator: "\n")
    failure.parameters = parameters.merging(["benchmark": name ?? benchmark, "np": "\(ranks)"]) { a, _ in a }
    let reason =
      outcome.timedOut
      ? "timed out after \(Int(timeout)) s (mpirun and every rank killed)"
      : "mpirun exited with status \(outcome.status)"
    failure.reason = reason
    failure.sweep = sweep?.name
    failure.sweepPoint = sweep?.point
    if sweep != nil && !records.isEmpty {
      failure.reason = reason + "; \(records.count) records of the incomplete point discarded"
    }
    try results.append(failure)
    let hint = Self.mostTelling(outcome.stderrTail).map { ": \($0)" } ?? ""
    throw Failure(description: "\(name ?? benchmark) with \(ranks) ranks failed: \(reason)\(hint)")
  }

  /// The stderr line that best explains a failure: the agent's own error (or the PyTorch
  /// engine's) if there is one, else the last line that is not part of mpirun's banners.
  static func mostTelling(_ lines: [String]) -> String? {
    let ownPrefixes = ["dlscale-agent", PyTorchEngine.program]
    if let agentLine = lines.first(where: { line in ownPrefixes.contains { line.hasPrefix($0) } }) {
      return agentLine
    }
    return lines.last { line in
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      return !trimmed.isEmpty && !trimmed.allSatisfy { $0 == "-" }
    }
  }
}
