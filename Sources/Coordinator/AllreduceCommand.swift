import ArgumentParser
import Foundation
import Measurements

/// `dlscale allreduce`: launches agents that time allreduce algorithms over a size sweep.
struct AllreduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "allreduce",
    abstract: "Measure allreduce latency and bus bandwidth across ranks.",
    discussion: """
      Each size is timed OSU-style (warm-up, then each iteration alone between barriers) and \
      validated with integer-valued inputs. busbw = algbw × 2(p−1)/p is comparable to the link \
      rate: a ring allreduce at full link speed shows busbw ≈ link bandwidth.
      """)

  @OptionGroup var launch: LaunchOptions

  @Option(help: "Bytes per rank: A:B doubles from A to B, A,B,C is a list; units K/KiB, M/MiB, G/GiB.")
  var sizes = "8:64MiB"

  @Option(
    help:
      "Comma-separated algorithms, or all: \(AlgorithmName.all.joined(separator: ", ")) (mpi = the library's MPI_Allreduce)."
  )
  var algorithms = "mpi"

  @Option(help: "Timed iterations per size (default: OSU's, 1000 up to 8 KiB, 100 above).")
  var iterations: Int?

  @Option(help: "Warm-up iterations per size (default: 100 up to 8 KiB, 10 above).")
  var warmup: Int?

  @Option(
    help: "Shrink timed iterations so one size takes about this many seconds (at least 5); 0 keeps OSU's counts.")
  var secondsPerSize: Double = 15

  @OptionGroup var poll: PollOptions

  @Option(help: "Results file (JSONL, appended).")
  var output = "dlscale-results/allreduce.jsonl"

  func validate() throws {
    _ = try parseSizes(sizes, option: "--sizes")
    if let iterations, iterations <= 0 { throw ValidationError("--iterations must be positive, got \(iterations)") }
    if let warmup, warmup < 0 { throw ValidationError("--warmup must not be negative, got \(warmup)") }
    guard secondsPerSize >= 0 else { throw ValidationError("--seconds-per-size must not be negative") }
    do { _ = try AlgorithmName.parseList(algorithms) } catch { throw ValidationError(error.description) }
  }

  func run() throws {
    let launcher = try launch.makeLauncher()
    let results = ResultsFile(path: output)
    try results.prepare()
    var arguments = ["--sizes", sizes, "--algorithms", algorithms]
    if let iterations { arguments += ["--iterations", "\(iterations)"] }
    arguments += poll.agentArguments
    if let warmup { arguments += ["--warmup", "\(warmup)"] }
    if secondsPerSize > 0 { arguments += ["--seconds-per-size", "\(secondsPerSize)"] }
    let records = try AgentRun(
      launcher: launcher, ranks: launch.np, benchmark: "allreduce", arguments: arguments, timeout: launch.timeout,
      results: results, parameters: ["sizes": sizes, "algorithms": algorithms]
    ).run()
    print("dlscale: \(records.count) records appended to \(output)")
    let wrong = records.compactMap(\.wrong).reduce(0, +)
    if wrong > 0 { throw CommandError("\(wrong) elements failed validation (see the 'wrong' column)") }
  }
}
