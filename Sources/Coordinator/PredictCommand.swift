import ArgumentParser
import Fitting
import Foundation
import Kernels
import Measurements

/// `dlscale predict`: hours to train a zoo model at each node count, with the step broken down
/// into compute and exposed communication, the side that bounds it, and an error band from the
/// fitted models' held-out errors.
struct PredictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Predict time to train a model on a number of nodes from fitted models.",
    discussion: """
      Step time = compute(batch per rank) + exposed allreduce + update. The gradient \
      (trainable parameters × 4 bytes) is allreduced in buckets overlapping backward; the part \
      that runs past backward is exposed. With --overlap forward the buckets left then run \
      beside the next forward, first layers first, and the time forward waits for them is \
      exposed; with off every allreduce is. Compute comes from the model's train records in \
      models.json, else the kernel regression, else --sample-time-ms. Without --algorithm, the \
      fastest fitted algorithm at each node count is used. With --system (a catalogue name or a \
      YAML file; dlscale systems), ranks per node are its devices, allreduces are priced with \
      its link within a node and its network between nodes (flat or hierarchical, the cheaper), \
      and an unmeasured system's compute comes from its throughput entry, else its device's \
      peak at --device-efficiency.
      """
  )

  @OptionGroup var options: PredictionOptions

  @Option(help: "Node counts, comma-separated.")
  var nodes: String = "1,2,4,8"

  @Option(help: "Ranks on each node (default: the system's devices per node, else 1).")
  var ranksPerNode: Int?

  @Option(help: "Batch per rank (weak scaling) or global batch (strong scaling).")
  var batch: Int = 32

  @Option(help: "weak or strong.")
  var scaling: String = TrainingOptions.defaultScaling.rawValue

  @Option(help: "Allreduce algorithm (\(AlgorithmName.all.joined(separator: ", "))).")
  var algorithm: String?

  @Option(help: "Gradient bucket size, e.g. 25MiB (default: dlscale train's).")
  var bucket: String = ByteSize.format(TrainingOptions.defaultBucketBytes)

  @Option(help: "When the allreduces run, as dlscale train's --overlap: on, off or forward (default: train's).")
  var overlap: String = TrainingOptions.defaultOverlap.rawValue

  @Option(help: "A device's memory, e.g. 16GiB: shows each row's memory per rank and marks batches that do not fit.")
  var deviceMemory: String?

  @Option(help: "Output format: table or json.")
  var format: String = "table"

  func validate() throws {
    guard ["weak", "strong"].contains(scaling) else { throw ValidationError("--scaling must be weak or strong") }
    guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
    guard IterationModel.Overlap(rawValue: overlap) != nil else {
      throw ValidationError("--overlap must be \(OverlapMode.choices)")
    }
    if let ranksPerNode, ranksPerNode <= 0 { throw ValidationError("--ranks-per-node must be positive") }
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let deviceMemory { _ = try DeviceMemoryOption.bytes(deviceMemory) }
  }

  func run() throws {
    var base = try options.request()
    base.batch = batch
    base.strongScaling = scaling == "strong"
    base.algorithm = algorithm
    base.bucketBytes = try ByteSize.parse(bucket)
    base.overlap = IterationModel.Overlap(rawValue: overlap) ?? .on
    guard base.bucketBytes > 0 else { throw ValidationError("--bucket must be positive") }
    let givenMemory = try deviceMemory.map { try DeviceMemoryOption.bytes($0) }
    let counts = try PhysicalQuantity.positiveIntegers(nodes, option: "--nodes")
    var tables: [(request: TrainingTimePrediction.Request, models: ModelsFile, rows: [TrainingTimePrediction.Row])] = []
    for system in try options.resolvedSystems() {
      var request = base
      request.system = system
      request.ranksPerNode = ranksPerNode ?? system?.devicesPerNode ?? 1
      request.deviceMemoryBytes = givenMemory ?? system?.device.memoryBytes
      let models = try options.modelsFile(for: system)
      // dlscale's algorithms, or one models.json fitted (an imported library's, such as nccl).
      if let algorithm {
        do { try AlgorithmName.check(algorithm, fitted: models.communication.map(\.algorithm)) } catch {
          throw ValidationError(error.description)
        }
      }
      let within = SystemNodes.within(system, counts: counts)
      if let warning = within.warning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
      let rows = try TrainingTimePrediction(models: models).predict(request, nodes: within.counts)
      tables.append((request, models, rows))
    }
    switch format {
    case "json": print(try PredictionTable.json(tables.flatMap(\.rows)))
    default:
      print(
        "\(options.model), \(options.samples) samples × \(options.epochs) epochs, \(scaling) scaling, batch \(batch)")
      if let given = options.overridesText { print(given) }
      for (index, table) in tables.enumerated() {
        if index > 0 { print("") }
        if let system = table.request.system { print("system \(system.line)") }
        for note in PredictionNotes.lines(table.models, request: table.request, rows: table.rows) { print(note) }
        print(PredictionTable.text(table.rows))
        if let unknown = PredictionTable.unknownErrors(table.rows) { print(unknown) }
      }
    }
  }
}

/// A system's node limit applied to the node counts asked for: counts beyond `nodes` are dropped
/// with a warning line; none left is an error.
enum SystemNodes {
  static func within(_ system: SystemDescription?, counts: [Int]) -> (counts: [Int], warning: String?) {
    guard let system, let limit = system.nodes, counts.contains(where: { $0 > limit }) else { return (counts, nil) }
    let kept = counts.filter { $0 <= limit }
    let dropped = counts.filter { $0 > limit }.map(String.init).joined(separator: ", ")
    return (
      kept.isEmpty ? [limit] : kept,
      "warning: system \(system.name) has \(limit) nodes; node count\(dropped.contains(",") ? "s" : "") \(dropped) left out"
        + (kept.isEmpty ? "; predicting \(limit)" : "")
    )
  }
}

/// `--device-memory` of `predict` and `optimize`: a positive size such as 16GiB.
enum DeviceMemoryOption {
  static func bytes(_ text: String) throws -> Int {
    let bytes: Int
    do { bytes = try ByteSize.parse(text) } catch {
      throw ValidationError("invalid --device-memory: \(error.description)")
    }
    guard bytes > 0 else { throw ValidationError("--device-memory must be positive") }
    return bytes
  }
}
