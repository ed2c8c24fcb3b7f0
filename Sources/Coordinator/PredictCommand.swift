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
      fastest fitted algorithm at each node count is used.
      """
  )

  @OptionGroup var options: PredictionOptions

  @Option(help: "Node counts, comma-separated.")
  var nodes: String = "1,2,4,8"

  @Option(help: "Ranks on each node.")
  var ranksPerNode: Int = 1

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
    guard ranksPerNode > 0 else { throw ValidationError("--ranks-per-node must be positive") }
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let deviceMemory { _ = try DeviceMemoryOption.bytes(deviceMemory) }
    if let algorithm, !AlgorithmName.all.contains(algorithm) {
      throw ValidationError("unknown algorithm '\(algorithm)' (known: \(AlgorithmName.all.joined(separator: ", ")))")
    }
  }

  func run() throws {
    var request = try options.request()
    request.ranksPerNode = ranksPerNode
    request.batch = batch
    request.strongScaling = scaling == "strong"
    request.algorithm = algorithm
    request.bucketBytes = try ByteSize.parse(bucket)
    request.overlap = IterationModel.Overlap(rawValue: overlap) ?? .on
    guard request.bucketBytes > 0 else { throw ValidationError("--bucket must be positive") }
    request.deviceMemoryBytes = try deviceMemory.map { try DeviceMemoryOption.bytes($0) }
    let counts = try PhysicalQuantity.positiveIntegers(nodes, option: "--nodes")
    let models = try options.modelsFile()
    let rows = try TrainingTimePrediction(models: models).predict(request, nodes: counts)
    switch format {
    case "json": print(try PredictionTable.json(rows))
    default:
      print(
        "\(options.model), \(options.samples) samples × \(options.epochs) epochs, \(scaling) scaling, batch \(batch)")
      if let given = options.overridesText { print(given) }
      for note in PredictionNotes.lines(models, request: request, rows: rows) { print(note) }
      print(PredictionTable.text(rows))
      if let unknown = PredictionTable.unknownErrors(rows) { print(unknown) }
    }
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
