import ArgumentParser
import Kernels

/// `dlscale models`: the reference model zoo with its parameter counts, sizes and forward
/// MACs, computed from the specs and shown beside the published figures.
struct ModelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models",
    abstract: "List the reference models: parameters, trainable parameters, MB, forward MACs.",
    discussion: """
      Parameters are every blob Caffe stores (weights, biases, BatchNorm mean, variance and \
      factor, Scale gamma and beta); trainable parameters are the ones with a gradient, which a \
      data-parallel step allreduces. MB = parameters × 4 / 2^20. GMACs are forward \
      multiply-accumulates of convolution and fully connected weights at batch 1; \
      GFLOPs = 2 × GMACs. The published figures are shown beside the computed ones.
      """
  )

  /// How the listing is written.
  enum Format: String, CaseIterable {
    case table, json
  }

  @Option(help: "Output format: table or json.")
  var format: String = Format.table.rawValue

  @Option(help: "Only this model (\(Zoo.names.joined(separator: ", "))).")
  var model: String?

  @Option(help: "Also show each model's training-step memory per rank at this batch.")
  var memoryBatch: Int?

  @Flag(help: "Also list every layer's output shape, parameters and MACs (needs --model).")
  var layers = false

  func validate() throws {
    _ = try outputFormat()
    if let model { _ = try Zoo.spec(named: model) }
    if let memoryBatch, memoryBatch < 1 { throw ValidationError("--memory-batch must be positive") }
    if layers && model == nil { throw ModelsCommandError.layersNeedModel }
  }

  func run() throws {
    let names = model.map { [$0] } ?? Zoo.names
    let rows = try names.map { name in
      ModelsListing.Row(
        name: name, summary: try Zoo.spec(named: name).summary(),
        published: PublishedFigures.of(name),
        memory: try memoryBatch.map { try MemoryEstimate(spec: Zoo.spec(named: name), batch: $0) },
        memoryBatch: memoryBatch)
    }
    switch try outputFormat() {
    case .table: print(ModelsListing.table(rows, withLayers: layers))
    case .json: print(try ModelsListing.json(rows, withLayers: layers))
    }
  }

  private func outputFormat() throws -> Format {
    guard let parsed = Format(rawValue: format) else {
      throw ModelsCommandError.unknownFormat(format)
    }
    return parsed
  }
}

/// Bad input to `dlscale models`, reported as one line.
enum ModelsCommandError: Error, CustomStringConvertible {
  case unknownFormat(String)
  case layersNeedModel

  var description: String {
    switch self {
    case .unknownFormat(let format):
      let known = ModelsCommand.Format.allCases.map(\.rawValue).joined(separator: ", ")
      return "unknown format '\(format)'; use one of: \(known)"
    case .layersNeedModel:
      return "--layers needs --model NAME"
    }
  }
}
