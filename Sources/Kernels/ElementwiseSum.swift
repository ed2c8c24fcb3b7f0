/// Elementwise sum of inputs of one shape (ResNet's shortcut join); each input's gradient is the
/// output gradient.
final class ElementwiseSum: Layer {
  let outputShape: Shape
  let backwardReadsOutput = false

  init(name: String, inputs: [Shape]) throws {
    guard let first = inputs.first, inputs.allSatisfy({ $0 == first }) else {
      throw NetworkError.invalidLayer(name, "sum needs inputs of one shape, got \(inputs)")
    }
    outputShape = first
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let y = output.pointer
    output.copy(from: inputs[0])
    for input in inputs.dropFirst() {
      let x = input.pointer
      context.forEachRange(of: output.count, minimumPerRange: 1 << 16) { range in
        for index in range { y[index] += x[index] }
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let dy = outputGradient.pointer
    for (index, gradient) in inputGradients.enumerated() {
      guard let gradient else { continue }
      if accumulate[index] {
        let dx = gradient.pointer
        context.forEachRange(of: output.count, minimumPerRange: 1 << 16) { range in
          for element in range { dx[element] += dy[element] }
        }
      } else {
        gradient.copy(from: outputGradient)
      }
    }
  }
}
