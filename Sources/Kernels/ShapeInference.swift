/// Shape inference over a spec, which is also its validation: every layer's inputs must be
/// earlier layers, windows must fit, concatenated and summed inputs must agree.
///
/// Output sizes follow Caffe. Convolution rounds down: out = ⌊(in + 2p − k) / s⌋ + 1.
/// Pooling rounds up, out = ⌈(in + 2p − k) / s⌉ + 1, then drops the last window if it would
/// start outside the padded input: (out − 1)·s ≥ in + p ⇒ out − 1.

/// A layer with the shapes it reads and the shape it writes.
public struct ShapedLayer: Sendable {
  public var layer: LayerSpec
  public var inputShapes: [Shape]
  public var outputShape: Shape
}

extension ModelSpec {
  /// Every layer with its input and output shapes, in the spec's order.
  /// - Throws: `ModelSpecError` for the first layer that does not fit the graph.
  public func shapedLayers() throws -> [ShapedLayer] {
    guard !layers.isEmpty else { throw ModelSpecError.emptyNetwork(model: name) }
    var known: [String: Shape] = [:]
    var shaped: [ShapedLayer] = []
    shaped.reserveCapacity(layers.count)
    for layer in layers {
      guard known[layer.name] == nil else { throw ModelSpecError.duplicateLayer(layer.name) }
      let inputShapes =
        try layer.inputs.isEmpty
        ? [input]
        : layer.inputs.map { source in
          guard let shape = known[source] else {
            throw ModelSpecError.unknownInput(layer: layer.name, input: source)
          }
          return shape
        }
      let output = try layer.kind.outputShape(
        reading: inputShapes, layer: layer.name, classes: classes)
      known[layer.name] = output
      shaped.append(ShapedLayer(layer: layer, inputShapes: inputShapes, outputShape: output))
    }
    return shaped
  }

  /// The output shape of every layer, by name.
  /// - Throws: `ModelSpecError` when the graph is not valid.
  public func shapes() throws -> [String: Shape] {
    Dictionary(uniqueKeysWithValues: try shapedLayers().map { ($0.layer.name, $0.outputShape) })
  }
}

extension LayerKind {
  /// The shape this layer writes when it reads `inputs`.
  /// - Throws: `ModelSpecError` naming `layer` when the inputs do not suit the layer.
  public func outputShape(reading inputs: [Shape], layer: String, classes: Int) throws -> Shape {
    switch self {
    case .concat:
      try require(inputs, atLeast: 1, layer: layer)
      guard inputs.allSatisfy({ $0.height == inputs[0].height && $0.width == inputs[0].width })
      else { throw ModelSpecError.mismatchedConcat(layer: layer, shapes: inputs) }
      return Shape(inputs.map(\.channels).reduce(0, +), inputs[0].height, inputs[0].width)
    case .sum:
      try require(inputs, atLeast: 2, layer: layer)
      guard inputs.allSatisfy({ $0 == inputs[0] }) else {
        throw ModelSpecError.mismatchedSum(layer: layer, shapes: inputs)
      }
      return inputs[0]
    default:
      guard inputs.count == 1 else {
        throw ModelSpecError.wrongInputCount(layer: layer, expected: "1", found: inputs.count)
      }
      return try singleInputShape(reading: inputs[0], layer: layer, classes: classes)
    }
  }

  private func singleInputShape(reading input: Shape, layer: String, classes: Int) throws -> Shape {
    switch self {
    case .convolution(let outputs, let kernel, let stride, let padding, let groups, _):
      try requirePositive(outputs, "output count", layer)
      try requirePositive(groups, "group count", layer)
      for (what, size) in [("kernel", kernel), ("stride", stride)] {
        try requirePositive(min(size.h, size.w), what, layer)
      }
      for channels in [input.channels, outputs] where channels % groups != 0 {
        throw ModelSpecError.indivisibleGroups(layer: layer, channels: channels, groups: groups)
      }
      let height = convolutionOutput(input.height, kernel.h, stride.h, padding.h)
      let width = convolutionOutput(input.width, kernel.w, stride.w, padding.w)
      guard let height, let width, padding.h >= 0, padding.w >= 0 else {
        throw ModelSpecError.windowDoesNotFit(
          layer: layer, input: input, window: kernel, padding: padding)
      }
      return Shape(outputs, height, width)
    case .fullyConnected(let outputs, _):
      try requirePositive(outputs, "output count", layer)
      return Shape(outputs, 1, 1)
    case .maxPool(let kernel, let stride, let padding),
      .averagePool(let kernel, let stride, let padding):
      try requirePositive(kernel, "kernel", layer)
      try requirePositive(stride, "stride", layer)
      let height = poolingOutput(input.height, kernel, stride, padding)
      let width = poolingOutput(input.width, kernel, stride, padding)
      guard let height, let width else {
        throw ModelSpecError.windowDoesNotFit(
          layer: layer, input: input, window: Extent(kernel), padding: Extent(padding))
      }
      return Shape(input.channels, height, width)
    case .globalMaxPool:
      return Shape(input.channels, 1, 1)
    case .localResponseNorm(let size, _, _, _):
      try requirePositive(size, "window size", layer)
      return input
    case .relu, .batchNormScale, .dropout:
      return input
    case .softmaxCrossEntropy:
      guard input.count == classes else {
        throw ModelSpecError.classCountMismatch(layer: layer, classes: classes, input: input)
      }
      return Shape(1, 1, 1)
    case .concat, .sum:
      preconditionFailure("multi-input layers are shaped by outputShape(reading:layer:classes:)")
    }
  }
}

/// ⌊(size + 2·padding − kernel) / stride⌋ + 1, or nil when the kernel overhangs the padded input.
private func convolutionOutput(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int? {
  let span = size + 2 * padding - kernel
  return span < 0 ? nil : span / stride + 1
}

/// Caffe's ceil-mode pooling size, or nil when the window overhangs the padded input or the
/// padding is not smaller than the window.
private func poolingOutput(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int) -> Int? {
  let span = size + 2 * padding - kernel
  guard span >= 0, padding >= 0, padding < kernel else { return nil }
  var output = (span + stride - 1) / stride + 1
  if (output - 1) * stride >= size + padding { output -= 1 }
  return output
}

private func require(_ inputs: [Shape], atLeast count: Int, layer: String) throws {
  guard inputs.count >= count else {
    throw ModelSpecError.wrongInputCount(
      layer: layer, expected: "at least \(count)", found: inputs.count)
  }
}

private func requirePositive(_ value: Int, _ what: String, _ layer: String) throws {
  guard value > 0 else {
    throw ModelSpecError.nonPositiveSize(layer: layer, what: what, value: value)
  }
}
