import ArgumentParser
import Foundation
import Kernels
import Measurements

/// `dlscale train`: launches data-parallel training steps of a reference model across ranks.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Run data-parallel training steps of a reference model and time compute and communication.",
    discussion: """
      Every rank trains the same model on its own seeded synthetic shard; gradients go into \
      buckets in the order backward produces them, and each bucket's allreduce starts as soon as \
      it is full (--overlap on) or after backward (off). With --overlap forward the buckets left \
      when backward ends run beside the next step's forward, first layers first (the ranks agree \
      on the order before each bucket), and each layer waits only for its own. The record splits \
      the step into forward, backward, exposed (not overlapped) communication and update; \
      samples/s is the global batch over the mean step time of all ranks.
      """)

  @OptionGroup var launch: LaunchOptions

  @Option(help: "Reference model: \(Zoo.names.joined(separator: ", ")).")
  var model: String

  @Option(help: "Batch per rank (weak scaling) or global batch (strong scaling).")
  var batch: Int = 8

  @Option(help: "weak (fixed batch per rank) or strong (fixed global batch, split across ranks).")
  var scaling = "weak"

  @Option(help: "Timed steps (after one warm-up step).")
  var steps: Int = 5

  @Option(help: "Gradient allreduce algorithm: \(AlgorithmName.all.joined(separator: ", ")).")
  var algorithm = "ring"

  @Option(help: "Gradient bucket size.")
  var bucket = "25MiB"

  @Option(help: "on: allreduce beside backward; forward: also beside the next forward; off: after backward.")
  var overlap = "on"

  @Option(help: "Compute threads per rank.")
  var threads: Int = 1

  @Option(help: "Also time compute alone and communication alone, this many steps each, between the training steps.")
  var aloneSteps: Int = 0

  @Option(
    help:
      "Microseconds the communication thread sleeps between tests of a transfer (0: MPI's blocking wait, which polls a core)."
  )
  var pollInterval: Double = TrainingSettings.defaultPollInterval

  @Option(
    help:
      "Communication thread's CPU: shared (the rank's own) or reserved (the emulated cluster's --comm-cpus; default: it when the cluster has one)."
  )
  var commCpu: String?

  @Option(help: "Write the final weights here (rank 0; raw float32 and FILE.json).")
  var saveWeights: String?

  @Option(help: "Results file (JSONL, appended).")
  var output = "dlscale-results/train.jsonl"

  func validate() throws {
    let settings = TrainingSettings(
      model: model, batch: batch, scaling: scaling, steps: steps, aloneSteps: aloneSteps, algorithm: algorithm,
      bucket: bucket, overlap: overlap, threads: threads, pollInterval: pollInterval, commCPU: commCpu)
    if let problem = settings.problem { throw ValidationError(problem) }
    guard scaling == "weak" || batch >= launch.np else {
      throw ValidationError("strong scaling needs a global --batch of at least --np (\(launch.np))")
    }
  }

  /// The agent's arguments for these options.
  var agentArguments: [String] {
    var arguments = [
      "--model", model, "--batch", "\(batch)", "--scaling", scaling, "--steps", "\(steps)", "--algorithm", algorithm,
      "--bucket", bucket, "--overlap", overlap, "--threads", "\(threads)", "--alone-steps", "\(aloneSteps)",
      "--poll-interval", "\(pollInterval)",
    ]
    if let commCpu { arguments += ["--comm-cpu", commCpu] }
    if let saveWeights {
      arguments += ["--save-weights", URL(fileURLWithPath: saveWeights).standardizedFileURL.path]
    }
    return arguments
  }

  func run() throws {
    let launcher = try launch.makeLauncher()
    let results = ResultsFile(path: output)
    try results.prepare()
    let records = try AgentRun(
      launcher: launcher, ranks: launch.np, benchmark: "train", arguments: agentArguments, threads: threads,
      timeout: launch.timeout,
      results: results, parameters: ["model": model, "batch": "\(batch)", "scaling": scaling]
    ).run()
    print("dlscale: \(records.count) record appended to \(output)")
  }
}
