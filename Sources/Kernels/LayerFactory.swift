/// Turns one `LayerSpec` into a runnable layer for given input shapes and batch size.
enum LayerFactory {
  static func make(
    _ spec: LayerSpec, inputs: [Shape], batch: Int, generator: inout SeededGenerator
  ) throws -> any Layer {
    let name = spec.name
    let arity: Int? =
      switch spec.kind {
      case .concat, .sum: nil
      default: 1
      }
    if let arity, inputs.count != arity {
      throw NetworkError.invalidLayer(name, "expects \(arity) input, got \(inputs.count)")
    }
    switch spec.kind {
    case .convolution(let outputs, let kernel, let stride, let padding, let groups, let bias):
      return try Convolution(
        name: name, input: inputs[0], outputs: outputs, kernel: kernel, stride: stride, padding: padding,
        groups: groups, bias: bias, batch: batch, generator: &generator)
    case .fullyConnected(let outputs, let bias):
      return try FullyConnected(name: name, input: inputs[0], outputs: outputs, bias: bias, generator: &generator)
    case .relu:
      return ReLU(input: inputs[0])
    case .maxPool(let kernel, let stride, let padding):
      return try MaxPooling(
        name: name, input: inputs[0], kernel: kernel, stride: stride, padding: padding, batch: batch)
    case .globalMaxPool:
      return GlobalMaxPooling(input: inputs[0], batch: batch)
    case .averagePool(let kernel, let stride, let padding):
      return try AveragePooling(name: name, input: inputs[0], kernel: kernel, stride: stride, padding: padding)
    case .localResponseNorm(let size, let alpha, let beta, let k):
      return try LocalResponseNorm(
        name: name, input: inputs[0], size: size, alpha: alpha, beta: beta, k: k, batch: batch)
    case .batchNormScale:
      return BatchNormScale(name: name, input: inputs[0])
    case .dropout(let ratio):
      return try Dropout(name: name, input: inputs[0], ratio: ratio, seed: generator.next(), batch: batch)
    case .concat:
      return try Concat(name: name, inputs: inputs)
    case .sum:
      return try ElementwiseSum(name: name, inputs: inputs)
    case .softmaxCrossEntropy:
      return SoftmaxCrossEntropy(name: name, input: inputs[0], batch: batch)
    }
  }
}
