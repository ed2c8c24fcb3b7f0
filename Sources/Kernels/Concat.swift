/// Concatenation of the inputs along channels (all inputs share height and width). Backward
/// hands each input its slice of the output gradient.
final class Concat: Layer {
  let inputShapes: [Shape]
  let outputShape: Shape

  init(name: String, inputs: [Shape]) throws {
    guard let first = inputs.first else { throw NetworkError.invalidLayer(name, "concat needs at least one input") }
    guard inputs.allSatisfy({ $0.height == first.height && $0.width == first.width }) else {
      throw NetworkError.invalidLayer(name, "concat inputs differ in height × width: \(inputs)")
    }
    inputShapes = inputs
    outputShape = Shape(inputs.reduce(0) { $0 + $1.channels }, first.height, first.width)
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let outputCount = outputShape.count
    for n in 0..<output.batch {
      var offset = 0
      for (input, shape) in zip(inputs, inputShapes) {
        (output.pointer + n * outputCount + offset).update(from: input.pointer + n * shape.count, count: shape.count)
        offset += shape.count
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let outputCount = outputShape.count
    for n in 0..<output.batch {
      var offset = 0
      for (index, shape) in inputShapes.enumerated() {
        defer { offset += shape.count }
        guard let gradient = inputGradients[index] else { continue }
        let source = outputGradient.pointer + n * outputCount + offset
        let target = gradient.pointer + n * shape.count
        if accumulate[index] {
          for element in 0..<shape.count { target[element] += source[element] }
        } else {
          target.update(from: source, count: shape.count)
        }
      }
    }
  }
}
