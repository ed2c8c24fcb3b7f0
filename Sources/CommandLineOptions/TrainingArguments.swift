import ArgumentParser
import Kernels
import Measurements

/// The training options on the command line, shared by `dlscale train` and the agent's `train`:
/// every option's default is `TrainingOptions`' own, and every value is read and checked by
/// `TrainingOptions.set(_:from:)`, so both commands (and sweep plans) refuse a bad value with
/// the same line. The options read through `TrainingOptions` name their default in their help
/// themselves (argument-parser shows it only for the options it reads).
public struct TrainingArguments: ParsableArguments {
  public init() {}

  @Option(help: "Reference model: \(Zoo.names.joined(separator: ", ")).")
  public var model: String

  @Option(
    help:
      "What trains: dlscale (its own engine) or pytorch (PyTorch's DistributedDataParallel on every rank). (default: \(TrainingOptions.defaultEngine.rawValue))",
    transform: { try TrainingOptions.reading(.engine, from: $0).engine })
  public var engine: TrainingEngine = TrainingOptions.defaultEngine

  @Option(help: "Batch per rank (weak scaling) or global batch (strong scaling).")
  public var batch: Int = TrainingOptions.defaultBatch

  @Option(
    help:
      "weak: --batch per rank; strong: --batch is the global batch, split across ranks. (default: \(TrainingOptions.defaultScaling.rawValue))",
    transform: { try TrainingOptions.reading(.scaling, from: $0).scaling })
  public var scaling: ScalingMode = TrainingOptions.defaultScaling

  @Option(help: "Timed training steps (after the warm-up).")
  public var steps: Int = TrainingOptions.defaultSteps

  @Option(
    help:
      "Gradient allreduce algorithm: \(AlgorithmName.all.joined(separator: ", ")). (default: \(TrainingOptions.defaultAlgorithm.rawValue))",
    transform: { try TrainingOptions.reading(.algorithm, from: $0).algorithm })
  public var algorithm: AllreduceKind = TrainingOptions.defaultAlgorithm

  @Option(help: "Gradient bucket size.")
  public var bucket = ByteSize.format(TrainingOptions.defaultBucketBytes)

  @Option(
    help:
      "on: each bucket's allreduce runs while backward goes on; forward: also beside the next step's forward, first layers first; off: after backward; --engine pytorch: on (DDP) or off, not forward. (default: \(TrainingOptions.defaultOverlap.rawValue))",
    transform: { try TrainingOptions.reading(.overlap, from: $0).overlap })
  public var overlap: OverlapMode?

  @Option(help: "Compute threads per rank (OpenBLAS and the layers' loops).")
  public var threads: Int = TrainingOptions.defaultThreads

  @Option(
    help:
      "Also time the step's compute alone and its communication alone, this many steps each, in pairs between the training steps."
  )
  public var aloneSteps: Int = TrainingOptions.defaultAloneSteps

  @Option(
    help:
      "Microseconds the communication thread sleeps between tests of a transfer (0: MPI's blocking wait, which polls a core)."
  )
  public var pollInterval: Double = TrainingOptions.defaultPollInterval

  @Option(
    help:
      "The communication thread's CPU: shared (the rank's own) or reserved (the host's reservation for communication, e.g. the emulated cluster's --comm-cpus; default: it when there is one).",
    transform: { try TrainingOptions.reading(.commCPU, from: $0).commCPU! })
  public var commCpu: CommunicationCPU?

  /// The options, checked; the bucket size is read here, once.
  public var options: TrainingOptions {
    get throws(ValidationError) {
      var options = TrainingOptions(
        model: model, engine: engine, batch: batch, scaling: scaling, steps: steps, aloneSteps: aloneSteps,
        algorithm: algorithm,
        overlap: overlap, threads: threads, pollInterval: pollInterval, commCPU: commCpu)
      do {
        try options.set(.bucket, from: bucket)
        try options.validate()
      } catch { throw ValidationError(error.description) }
      return options
    }
  }
}
