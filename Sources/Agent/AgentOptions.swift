import ArgumentParser
import Collectives
import Foundation
import Measurements

/// Options every agent benchmark shares: where records go and how the run is identified.
struct OutputOptions: ParsableArguments {
  @Option(help: "Append records to this JSONL file (rank 0 writes; fsync'd after each point).")
  var output: String?

  @Flag(help: "Print each record on stdout as a 'DLSCALE-RECORD <json>' line (used by the dlscale coordinator).")
  var emitRecords = false

  @Option(help: "Run identifier to put in the records (default: a new one).")
  var runId: String?

  @Option(help: "The command to record as the origin of this run, as a JSON array of strings.")
  var originCommand: String?

  /// The command line to record: the coordinator's if it passed one, else this agent's own.
  var command: [String] {
    if let originCommand, let data = originCommand.data(using: .utf8),
      let words = try? JSONDecoder().decode([String].self, from: data)
    {
      return words
    }
    return CommandLine.arguments
  }
}

/// The counts of warm-up and timed iterations, OSU's defaults unless given.
struct IterationOptions: ParsableArguments {
  @Option(help: "Timed iterations per size (default: 1000 up to 8 KiB, 100 above).")
  var iterations: Int?

  @Option(help: "Warm-up iterations per size (default: 100 up to 8 KiB, 10 above).")
  var warmup: Int?

  @Option(help: "Shrink timed iterations so one size takes about this many seconds (at least 5 iterations).")
  var secondsPerSize: Double?

  @Option(help: "Wait by testing every this many microseconds, sleeping in between (0: MPI's own blocking waits).")
  var pollInterval: Double = 0

  func validate() throws {
    if let problem = PollInterval.problem(pollInterval) { throw ValidationError(problem) }
    if let iterations, iterations <= 0 { throw ValidationError("--iterations must be positive, got \(iterations)") }
    if let warmup, warmup < 0 { throw ValidationError("--warmup must not be negative, got \(warmup)") }
    if let secondsPerSize, !(secondsPerSize > 0) {
      throw ValidationError("--seconds-per-size must be positive, got \(secondsPerSize)")
    }
  }

  var plan: IterationPlan { IterationPlan(iterations: iterations, warmup: warmup, secondsPerSize: secondsPerSize) }

  var waitPolicy: WaitPolicy { WaitPolicy(pollIntervalMicroseconds: pollInterval) }
}

/// Where rank 0's records go: a file, stdout lines for the coordinator, or both.
struct RecordSink {
  let file: ResultsFile?
  let emit: Bool

  init(options: OutputOptions) throws {
    file = options.output.map(ResultsFile.init(path:))
    emit = options.emitRecords
  }

  func write(_ record: Record) throws {
    if emit { print("DLSCALE-RECORD " + (try record.jsonLine())) }
    try file?.append(record)
  }
}

/// Runs `body` inside MPI: initialise, run, finalise. Benchmarks that make every MPI call from
/// one thread ask for `SINGLE`: OpenMPI's `FUNNELED` costs about 0.1 µs per small allreduce
/// here, which the harness must not add. An error on any rank is printed as one line
/// and aborts the job (a rank that returns while others wait in a collective would hang them).
func withMPI(threadLevel: MPI.ThreadLevel = .single, _ body: (Communicator) throws -> Void) throws {
  do {
    let provided = try MPI.initialize(threadLevel: threadLevel)
    guard provided >= threadLevel else {
      throw AgentError("MPI provides thread level \(provided), \(threadLevel) is needed")
    }
  } catch {
    throw AgentError("cannot initialise MPI: \(error)")
  }
  do {
    let world = try Communicator.world()
    try body(world)
    try MPI.finalize()
  } catch {
    printError("dlscale-agent: \(error)")
    MPI.abort(code: 1)
  }
}

/// An error that is one line for the user.
struct AgentError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
