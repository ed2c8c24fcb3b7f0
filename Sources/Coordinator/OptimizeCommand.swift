import ArgumentParser
import Fitting
import Foundation
import Kernels
import Measurements

/// `dlscale optimize`: searches node count, ranks per node, batch per rank, allreduce algorithm
/// and bucket size for the fastest time to train (or the fewest node-hours under a deadline),
/// prints the best and the runners-up, and can write an OpenMPI rules file choosing the measured
/// best allreduce algorithm per rank count and size.
struct OptimizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimize",
    abstract: "Search for the configuration that trains a model fastest (or cheapest by a deadline).",
    discussion: """
      Weak scaling: the batch is per rank. Ranks on one node are assumed to compute as fast as \
      a rank alone. The rules file is OpenMPI's classic coll_tuned format: use it with \
      --mca coll_tuned_use_dynamic_rules 1 --mca coll_tuned_dynamic_rules_filename FILE.
      """
  )

  @OptionGroup var options: PredictionOptions

  @Option(help: "Largest node count to consider.")
  var maxNodes: Int = 8

  @Option(help: "Ranks per node to consider, comma-separated (default: the system's devices per node, else 1).")
  var ranksPerNode: String?

  @Option(help: "Batches per rank to consider, comma-separated.")
  var batches: String = "16,32,64"

  @Option(help: "Algorithms to consider (default: every fitted one).")
  var algorithms: String?

  @Option(help: "Bucket sizes to consider, comma-separated.")
  var buckets: String = "1MiB,4MiB,8MiB,16MiB,25MiB,64MiB"

  @Option(
    help:
      "Overlap modes to consider (dlscale train's --overlap: on, off, forward), comma-separated (default: train's).")
  var overlap: String = TrainingOptions.defaultOverlap.rawValue

  @Option(help: "A device's memory, e.g. 16GiB: only batches whose per-rank memory fits it are considered.")
  var deviceMemory: String?

  @Option(help: "Minimise node-hours among configurations finishing within this many hours.")
  var deadlineHours: Double?

  @Option(help: "Write an OpenMPI coll_tuned dynamic rules file here.")
  var rulesFile: String?

  @Option(help: "How many runners-up to print.")
  var top: Int = 5

  func validate() throws {
    guard maxNodes > 0 else { throw ValidationError("--max-nodes must be positive") }
    if let deadlineHours, !(deadlineHours > 0) { throw ValidationError("--deadline-hours must be positive") }
    _ = try overlaps()
    if let deviceMemory { _ = try DeviceMemoryOption.bytes(deviceMemory) }
  }

  /// The modes of --overlap, in order, each once.
  func overlaps() throws -> [IterationModel.Overlap] {
    var modes: [IterationModel.Overlap] = []
    for name in overlap.split(separator: ",", omittingEmptySubsequences: false) {
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      guard let mode = IterationModel.Overlap(rawValue: trimmed) else {
        throw ValidationError("--overlap takes on, off and forward, comma-separated (got '\(trimmed)')")
      }
      if !modes.contains(mode) { modes.append(mode) }
    }
    return modes
  }

  func run() throws {
    var search = ConfigurationSearch()
    search.batches = try PhysicalQuantity.positiveIntegers(batches, option: "--batches")
    search.bucketSizes = try ByteSize.parseList(buckets)
    guard search.bucketSizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--buckets must be positive") }
    search.overlaps = try overlaps()
    search.deadlineHours = deadlineHours
    let givenRanks = try ranksPerNode.map { try PhysicalQuantity.positiveIntegers($0, option: "--ranks-per-node") }
    let givenMemory = try deviceMemory.map { try DeviceMemoryOption.bytes($0) }
    let goal = deadlineHours.map { "fewest node-hours within \($0) hours" } ?? "shortest time to train"
    var lastModels: ModelsFile?
    for (index, system) in try options.resolvedSystems().enumerated() {
      let models = try options.modelsFile(for: system)
      lastModels = models
      // dlscale's algorithms, and any models.json fitted (an imported library's, such as nccl).
      let fitted = models.communication.map(\.algorithm)
      do {
        search.algorithms = try algorithms.map { text throws(AlgorithmName.UnknownAlgorithm) in
          try AlgorithmName.parseList(text, fitted: fitted)
        }
      } catch { throw ValidationError(error.description) }
      var request = try options.request()
      request.system = system
      request.deviceMemoryBytes = givenMemory ?? system?.device.memoryBytes
      search.ranksPerNode = givenRanks ?? [system?.devicesPerNode ?? 1]
      search.maxNodes = min(maxNodes, system?.nodes ?? maxNodes)
      let ranked = try search.run(models: models, request: request)
      if index > 0 { print("") }
      print(
        "\(options.model), \(options.samples) samples × \(options.epochs) epochs: \(ranked.count) configurations, \(goal)"
      )
      if let system {
        let limit = system.nodes.map { $0 < maxNodes ? " (its \($0) nodes cap --max-nodes)" : "" } ?? ""
        print("system \(system.line)\(limit)")
      }
      if let given = options.overridesText { print(given) }
      var best = request
      best.ranksPerNode = ranked[0].ranks / ranked[0].nodes
      for note in PredictionNotes.lines(models, request: best, rows: [ranked[0]]) { print(note) }
      print("best:")
      print(PredictionTable.text([ranked[0]]))
      if ranked.count > 1 {
        print("runners-up:")
        print(PredictionTable.text(Array(ranked.dropFirst().prefix(max(top, 0)))))
      }
      if let unknown = PredictionTable.unknownErrors(Array(ranked.prefix(max(top, 0) + 1))) { print(unknown) }
    }
    if let rulesFile, let models = lastModels {
      guard let text = OpenMPIRulesFile.text(from: models) else {
        throw OptimizeCommandError.noRules
      }
      do { try text.write(toFile: rulesFile, atomically: true, encoding: .utf8) } catch {
        throw OptimizeCommandError.cannotWrite(rulesFile, error.localizedDescription)
      }
      print(
        "wrote \(rulesFile) (use --mca coll_tuned_use_dynamic_rules 1 --mca coll_tuned_dynamic_rules_filename \(rulesFile))"
      )
    }
  }
}

/// Why `dlscale optimize` could not write its rules file, as one line.
enum OptimizeCommandError: Error, CustomStringConvertible {
  case noRules
  case cannotWrite(String, String)

  var description: String {
    switch self {
    case .noRules: "no allreduce Hockney fits for OpenMPI's algorithms in the models file; cannot write rules"
    case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}
