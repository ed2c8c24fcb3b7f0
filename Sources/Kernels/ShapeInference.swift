/// Per-layer output shapes of a spec, computed from the spec alone (no weights, no storage),
/// with the same arithmetic the layers use.
extension ModelSpec {
  /// The per-sample output shape of every layer, in spec order, and the input shapes it reads.
  /// Throws `NetworkError` where the spec is inconsistent.
  public func layerShapes() throws -> [(inputs: [Shape], output: Shape)] {
    var byName: [String: Shape] = [:]
    var result: [(inputs: [Shape], output: Shape)] = []
    for layer in layers {
      let inputs = try layer.inputs.isEmpty
        ? [input]
        : layer.inputs.map { name in
          guard let shape = byName[name] else { throw NetworkError.unknownInput(layer: layer.name, input: name) }
          return shape
        }
      let output = try Self.outputShape(of: layer, inputs: inputs)
      byName[layer.name] = output
      result.append((inputs, output))
    }
    return result
  }

  static func outputShape(of layer: LayerSpec, inputs: [Shape]) throws -> Shape {
    let first = inputs[0]
    switch layer.kind {
    case .convolution(let outputs, let kernel, let stride, let padding, _, _):
      let geometry = ConvolutionGeometry(
        channels: first.channels, height: first.height, width: first.width, kernel: kernel, stride: stride, padding: padding)
      guard first.height + 2 * padding.h >= kernel.h, first.width + 2 * padding.w >= kernel.w else {
        throw NetworkError.invalidLayer(layer.name, "kernel does not fit the padded \(first) input")
      }
      return Shape(outputs, geometry.outputHeight, geometry.outputWidth)
    case .fullyConnected(let outputs, _):
      return Shape(outputs, 1, 1)
    case .maxPool(let kernel, let stride, let padding), .averagePool(let kernel, let stride, let padding):
      let geometry = PoolingGeometry(height: first.height, width: first.width, kernel: kernel, stride: stride, padding: padding)
      try geometry.validate(layer: layer.name)
      return Shape(first.channels, geometry.outputHeight, geometry.outputWidth)
    case .relu, .localResponseNorm, .batchNormScale, .dropout, .sum:
      return first
    case .concat:
      return Shape(inputs.reduce(0) { $0 + $1.channels }, first.height, first.width)
    case .softmaxCrossEntropy:
      return Shape(1, 1, 1)
    }
  }
}
