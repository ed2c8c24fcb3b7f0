import ArgumentParser
import CommandLineOptions
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

      With --engine pytorch every rank runs PyTorch instead (engines/pytorch, written beside the \
      results file or into --engine-dir): the zoo's model with the same parameters, trained by \
      DistributedDataParallel with the same bucket size on the same kind of seeded synthetic data, \
      gradients reduced by gloo (NCCL with --device cuda), launched the same way; the record has \
      the same breakdown and says engine pytorch, its version and the device. --algorithm and the \
      communication thread's options do not apply to it.
      """)

  @OptionGroup var launch: LaunchOptions

  @OptionGroup var training: TrainingArguments

  @OptionGroup var pytorch: PyTorchOptions

  @Option(help: "Write the final weights here (rank 0; raw float32 and FILE.json).")
  var saveWeights: String?

  @Option(help: "Results file (JSONL, appended).")
  var output = "dlscale-results/train.jsonl"

  func validate() throws {
    let options = try training.options
    guard options.scaling == .weak || options.batch >= launch.np else {
      throw ValidationError("strong scaling needs a global --batch of at least --np (\(launch.np))")
    }
    if options.engine == .pytorch && saveWeights != nil {
      throw ValidationError("--save-weights is for dlscale's engine, not --engine pytorch")
    }
  }

  /// The agent's arguments for these options: every training option, written by
  /// `TrainingOptions`, and where rank 0 saves the weights.
  func agentArguments(_ options: TrainingOptions) -> [String] {
    var arguments = options.agentArguments()
    if let saveWeights {
      arguments += ["--save-weights", URL(fileURLWithPath: saveWeights).standardizedFileURL.path]
    }
    return arguments
  }

  func run() throws {
    let options = try training.options
    let launcher = try launch.makeLauncher()
    let results = ResultsFile(path: output)
    if options.engine == .pytorch {
      let engine = pytorch.engine(besideResults: output)
      let version = try engine.checkTorch()
      let rendezvous = try launch.rendezvous(port: try Rendezvous.freePort())
      try results.prepare()
      let run = try engine.run(
        options, torchVersion: version, launcher: launcher, rendezvous: rendezvous, timeout: launch.timeout,
        results: results, ranks: launch.np)
      let records = try run.run()
      print("dlscale: \(records.count) record appended to \(output)")
      return
    }
    try results.prepare()
    let records = try AgentRun(
      launcher: launcher, ranks: launch.np, benchmark: "train", arguments: agentArguments(options),
      threads: options.threads,
      timeout: launch.timeout,
      results: results,
      parameters: ["model": options.model, "batch": "\(options.batch)", "scaling": options.scaling.rawValue]
    ).run()
    print("dlscale: \(records.count) record appended to \(output)")
  }
}
