import Foundation
import Kernels

/// The listing `dlscale models` writes: one row per zoo model, as an aligned text table or as
/// JSON, with the published figures beside the computed ones.
enum ModelsListing {
  /// One model's computed counts and its published figures.
  struct Row {
    var name: String
    var summary: ModelSummary
    var published: PublishedFigures?
    /// A rank's training-step memory at `memoryBatch`, when asked for.
    var memory: MemoryEstimate? = nil
    var memoryBatch: Int? = nil

    /// Whether the computed parameter count is the published one, exactly.
    var parametersMatch: Bool? { published.map { $0.parameters == summary.parameters } }

    /// Whether the computed size rounds to the published one at the published precision.
    var sizeMatches: Bool? {
      published?.sizeMB.map { abs(summary.sizeMB - $0) <= 0.5 * precisionUnit(of: $0) }
    }

    /// (computed − published) / published forward GMACs.
    var forwardGMACsRelativeDifference: Double? {
      published?.forwardGMACs.map { (summary.forwardGMACs - $0) / $0 }
    }
  }

  static func table(_ rows: [Row], withLayers: Bool) -> String {
    var header = [
      "model", "params", "trainable", "MB", "GMACs", "GFLOPs", "published params",
      "published MB", "published GMACs", "params ✓", "MB ✓", "GMACs Δ",
    ]
    let showsMemory = rows.contains { $0.memory != nil }
    if showsMemory { header.append("MiB/rank") }
    let body = rows.map { row -> [String] in
      let summary = row.summary
      var cells: [String] = [
        row.name, grouped(summary.parameters), grouped(summary.trainableParameters),
        String(format: "%.1f", summary.sizeMB), significant(summary.forwardGMACs),
        significant(summary.forwardGFLOPs), row.published.map { grouped($0.parameters) } ?? "",
        row.published?.sizeMB.map { significant($0) } ?? "",
        row.published?.forwardGMACs.map { significant($0) } ?? "", mark(row.parametersMatch),
        mark(row.sizeMatches),
        row.forwardGMACsRelativeDifference.map { String(format: "%+.2f%%", 100 * $0) } ?? "",
      ]
      if showsMemory {
        cells.append(row.memory.map { String(format: "%.0f", Double($0.totalBytes) / Double(1 << 20)) } ?? "")
      }
      return cells
    }
    var text = aligned([header] + body, rightAlignedFrom: 1)
    if let batch = rows.first?.memoryBatch {
      text += "\nMiB/rank: weights, gradients, momentum, allreduce buckets and activations of a step at batch \(batch)."
    }
    text +=
      "\nGMACs: forward multiply-accumulates at batch 1 (conv and fc weights); GFLOPs = 2 × GMACs."
    text += "\nMB = params × 4 / 2^20; trainable = params without BatchNorm mean, variance, factor."
    if withLayers {
      for row in rows { text += "\n\n" + layerTable(row.summary) }
    }
    return text
  }

  static func json(_ rows: [Row], withLayers: Bool) throws -> String {
    let entries = rows.map { Entry($0, withLayers: withLayers) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(entries), as: UTF8.self)
  }

  private static func layerTable(_ summary: ModelSummary) -> String {
    let header = ["layer", "kind", "inputs", "output", "params", "trainable", "MACs"]
    let body = summary.layers.map { layer in
      [
        layer.name, describe(layer.kind),
        layer.inputShapes.map(\.description).joined(separator: " + "),
        layer.outputShape.description, grouped(layer.parameters),
        grouped(layer.trainableParameters),
        grouped(layer.forwardMACs),
      ]
    }
    return "\(summary.name): \(summary.layers.count) layers\n"
      + aligned([header] + body, rightAlignedFrom: 4)
  }

  /// Columns padded to their widest cell; columns from `rightAlignedFrom` on are right-aligned.
  private static func aligned(_ cells: [[String]], rightAlignedFrom firstNumeric: Int) -> String {
    let widths = cells[0].indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
    return cells.map { row in
      row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column >= firstNumeric ? padding + cell : cell + padding
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}

/// One model in the JSON listing.
private struct Entry: Encodable {
  var name: String
  var title: String?
  var parameters: Int
  var trainableParameters: Int
  var gradientBytes: Int
  var sizeMB: Double
  var forwardMACs: Int
  var forwardGMACs: Double
  var forwardGFLOPs: Double
  var publishedParameters: Int?
  var publishedSizeMB: Double?
  var publishedForwardGMACs: Double?
  var parametersMatch: Bool?
  var sizeMatches: Bool?
  var forwardGMACsRelativeDifference: Double?
  var layers: [LayerEntry]?
  var memoryBatch: Int?
  var memoryBytes: Int?
  var weightsBytes: Int?
  var gradientsBytes: Int?
  var optimizerBytes: Int?
  var bucketsBytes: Int?
  var activationsBytes: Int?

  enum CodingKeys: String, CodingKey {
    case name
    case title
    case parameters = "params"
    case trainableParameters = "trainable_params"
    case gradientBytes = "gradient_bytes"
    case sizeMB = "size_mb"
    case forwardMACs = "forward_macs"
    case forwardGMACs = "forward_gmacs"
    case forwardGFLOPs = "forward_gflops"
    case publishedParameters = "published_params"
    case publishedSizeMB = "published_size_mb"
    case publishedForwardGMACs = "published_forward_gmacs"
    case parametersMatch = "params_match"
    case sizeMatches = "size_matches"
    case forwardGMACsRelativeDifference = "forward_gmacs_relative_difference"
    case layers
    case memoryBatch = "memory_batch"
    case memoryBytes = "memory_bytes"
    case weightsBytes = "memory_weights_bytes"
    case gradientsBytes = "memory_gradients_bytes"
    case optimizerBytes = "memory_optimizer_bytes"
    case bucketsBytes = "memory_buckets_bytes"
    case activationsBytes = "memory_activations_bytes"
  }

  init(_ row: ModelsListing.Row, withLayers: Bool) {
    let summary = row.summary
    name = row.name
    title = row.published?.title
    parameters = summary.parameters
    trainableParameters = summary.trainableParameters
    gradientBytes = summary.gradientBytes
    sizeMB = summary.sizeMB
    forwardMACs = summary.forwardMACs
    forwardGMACs = summary.forwardGMACs
    forwardGFLOPs = summary.forwardGFLOPs
    publishedParameters = row.published?.parameters
    publishedSizeMB = row.published?.sizeMB
    publishedForwardGMACs = row.published?.forwardGMACs
    parametersMatch = row.parametersMatch
    sizeMatches = row.sizeMatches
    forwardGMACsRelativeDifference = row.forwardGMACsRelativeDifference
    layers = withLayers ? summary.layers.map(LayerEntry.init) : nil
    memoryBatch = row.memoryBatch
    memoryBytes = row.memory?.totalBytes
    weightsBytes = row.memory?.weightsBytes
    gradientsBytes = row.memory?.gradientsBytes
    optimizerBytes = row.memory?.optimizerBytes
    bucketsBytes = row.memory?.bucketsBytes
    activationsBytes = row.memory?.activationsBytes
  }
}

/// One layer in the JSON listing; shapes are [channels, height, width].
private struct LayerEntry: Encodable {
  var name: String
  var kind: String
  var inputShapes: [[Int]]
  var outputShape: [Int]
  var parameters: Int
  var trainableParameters: Int
  var forwardMACs: Int

  enum CodingKeys: String, CodingKey {
    case name
    case kind
    case inputShapes = "input_shapes"
    case outputShape = "output_shape"
    case parameters = "params"
    case trainableParameters = "trainable_params"
    case forwardMACs = "forward_macs"
  }

  init(_ layer: LayerSummary) {
    name = layer.name
    kind = describe(layer.kind)
    inputShapes = layer.inputShapes.map { [$0.channels, $0.height, $0.width] }
    outputShape = [layer.outputShape.channels, layer.outputShape.height, layer.outputShape.width]
    parameters = layer.parameters
    trainableParameters = layer.trainableParameters
    forwardMACs = layer.forwardMACs
  }
}

/// A short reading of a layer kind: "conv 64 7×7/2 pad 3", "fc 1000", "max 3/2", …
private func describe(_ kind: LayerKind) -> String {
  func extent(_ size: Extent) -> String { size.h == size.w ? "\(size.h)" : "\(size.h)×\(size.w)" }
  switch kind {
  case .convolution(let outputs, let kernel, let stride, let padding, let groups, let bias):
    var text = "conv \(outputs) \(kernel.h)×\(kernel.w)/\(extent(stride))"
    if padding != Extent(0) { text += " pad \(extent(padding))" }
    if groups > 1 { text += " group \(groups)" }
    return bias ? text : text + " no bias"
  case .fullyConnected(let outputs, let bias): return "fc \(outputs)" + (bias ? "" : " no bias")
  case .relu: return "relu"
  case .maxPool(let kernel, let stride, let padding):
    return "max \(kernel)/\(stride)" + (padding > 0 ? " pad \(padding)" : "")
  case .averagePool(let kernel, let stride, let padding):
    return "average \(kernel)/\(stride)" + (padding > 0 ? " pad \(padding)" : "")
  case .globalMaxPool: return "global max"
  case .localResponseNorm(let size, _, _, _): return "lrn \(size)"
  case .batchNormScale: return "batchnorm+scale"
  case .dropout(let ratio): return "dropout \(ratio)"
  case .concat: return "concat"
  case .sum: return "sum"
  case .softmaxCrossEntropy: return "softmax cross-entropy"
  }
}

/// 1 for a whole number, 0.1 for one with one decimal, and so on: the precision it was written at.
private func precisionUnit(of value: Double) -> Double {
  var unit = 1.0
  while unit > 1e-6 && abs(value / unit - (value / unit).rounded()) > 1e-9 { unit /= 10 }
  return unit
}

/// 60965224 → "60,965,224".
private func grouped(_ value: Int) -> String {
  let digits = String(value.magnitude)
  var groups: [Substring] = []
  var end = digits.endIndex
  while end > digits.startIndex {
    let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
    groups.insert(digits[start..<end], at: 0)
    end = start
  }
  return (value < 0 ? "-" : "") + groups.joined(separator: ",")
}

/// Four significant digits: 0.7244, 15.47, 0.008704.
private func significant(_ value: Double) -> String { String(format: "%.4g", value) }

private func mark(_ match: Bool?) -> String { match.map { $0 ? "✓" : "✗" } ?? "" }
