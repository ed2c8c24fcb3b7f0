import Foundation
import Measurements
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Injecting faults into running sweeps: a coordinator started in the background, the agents
/// found by a unique argument in their command line, and checks that nothing is left behind.
enum FaultSupport {
  /// A coordinator running in the background; its output goes to files in `directory`.
  final class Background {
    let process = Process()
    let outputFile: String
    let errorsFile: String
    let started = Date()

    init(
      _ arguments: [String], directory: String, environment extra: [String: String] = [:],
      executable: String = Executables.coordinator
    ) throws {
      outputFile = directory + "/coordinator.out"
      errorsFile = directory + "/coordinator.err"
      _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
      _ = FileManager.default.createFile(atPath: errorsFile, contents: nil)
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      process.environment = ProcessInfo.processInfo.environment.merging(
        ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"].merging(extra) { $1 }
      ) { _, new in new }
      process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorsFile))
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }

    /// Waits for exit (at most `seconds`, then SIGKILL); returns the status and elapsed seconds.
    func finish(within seconds: Double) -> (status: Int32, seconds: Double, timedOut: Bool) {
      let deadline = Date().addingTimeInterval(seconds)
      while process.isRunning && Date() < deadline { usleep(50_000) }
      let timedOut = process.isRunning
      if timedOut { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      return (process.terminationStatus, Date().timeIntervalSince(started), timedOut)
    }

    var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorsFile, encoding: .utf8)) ?? "" }
  }

  /// The pids of live processes whose command line contains every one of `words` (and whose
  /// program, argv[0], ends with `program` when given).
  static func processes(containing words: [String], program: String? = nil) -> [pid_t] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> pid_t? in
      guard let pid = pid_t(entry), pid != getpid(),
        let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
      else { return nil }
      let words0 = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      guard words.allSatisfy({ word in words0.contains { $0.contains(word) } }) else { return nil }
      if let program, !(words0.first ?? "").hasSuffix(program) { return nil }
      // A zombie has exited already.
      let state = (try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8))?
        .split(separator: ")").last?.split(separator: " ").first
      return state == "Z" ? nil : pid
    }
  }

  /// Waits up to `seconds` for processes matching `words` to appear.
  static func waitForProcesses(containing words: [String], program: String? = nil, count: Int = 1, seconds: Double)
    -> [pid_t]
  {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      let found = processes(containing: words, program: program)
      if found.count >= count { return found }
      usleep(20_000)
    }
    return processes(containing: words, program: program)
  }

  /// The two agents (ranks) of the point marked by `marker`, once both are running.
  static func agents(marked marker: Int, seconds: Double = 60) -> [pid_t] {
    waitForProcesses(containing: ["\(marker)"], program: "dlscale-agent", count: 2, seconds: seconds)
  }

  /// Waits up to `seconds` for every process matching `words` to be gone; returns the survivors.
  static func waitForNoProcesses(containing words: [String], seconds: Double) -> [pid_t] {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if processes(containing: words).isEmpty { return [] }
      usleep(100_000)
    }
    return processes(containing: words)
  }

  /// Writes a plan of allreduce points at 2 ranks, one per `iterations` value (each value also
  /// marks its agents' command lines), to `directory`/plan.yaml.
  static func writePlan(
    in directory: String, name: String, iterations: [Int], timeout: Int, cluster: String? = nil, sizes: String = "8"
  ) throws -> (plan: String, output: String) {
    let output = directory + "/results.jsonl"
    let plan = directory + "/plan.yaml"
    var text = "name: \(name)\noutput: \(output)\ntimeout: \(timeout)\n"
    if let cluster { text += "cluster: \(cluster)\n" }
    text += """
      runs:
        - benchmark: allreduce
          np: 2
          sizes: \(sizes)
          algorithms: mpi
          iterations: [\(iterations.map(String.init).joined(separator: ", "))]
          warmup: 1

      """
    try text.write(toFile: plan, atomically: true, encoding: .utf8)
    return (plan, output)
  }

  /// Each successful point's run ids, from a results file.
  static func runsPerPoint(_ records: [Record]) -> [String: Set<String>] {
    var result: [String: Set<String>] = [:]
    for record in records where record.kind != .failure {
      result[record.sweepPoint ?? "", default: []].insert(record.runId)
    }
    return result
  }
}
