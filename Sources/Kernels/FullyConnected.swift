/// Fully connected (inner product) layer over the flattened input: Y[N×O] = X[N×K]·Wᵀ + b with
/// W stored O×K. Backward: dW = dYᵀ·X, db = Σₙ dY, dX = dY·W. Cost: 2·N·O·K FLOPs forward,
/// twice that backward.
final class FullyConnected: Layer {
  let name: String
  let inputCount: Int
  let outputShape: Shape
  let weight: Tensor
  let weightGradient: Tensor
  let bias: Tensor?
  let biasGradient: Tensor?

  init(name: String, input: Shape, outputs: Int, bias hasBias: Bool, generator: inout SeededGenerator) throws {
    guard outputs > 0 else { throw NetworkError.invalidLayer(name, "outputs must be positive") }
    self.name = name
    inputCount = input.count
    outputShape = Shape(outputs, 1, 1)
    weight = Tensor(batch: outputs, shape: Shape(input.count, 1, 1))
    weightGradient = Tensor(batch: outputs, shape: weight.shape)
    weight.fillNormal(deviation: (2 / Float(input.count)).squareRoot(), using: &generator)
    bias = hasBias ? Tensor(batch: 1, shape: outputShape) : nil
    biasGradient = hasBias ? Tensor(batch: 1, shape: outputShape) : nil
  }

  var parameters: [Parameter] {
    var list = [
      Parameter(
        name: "\(name).weight", dimensions: [outputShape.channels, inputCount], value: weight, gradient: weightGradient)
    ]
    if let bias, let biasGradient {
      list.append(
        Parameter(name: "\(name).bias", dimensions: [outputShape.channels], value: bias, gradient: biasGradient))
    }
    return list
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let input = inputs[0]
    let outputs = outputShape.channels
    if let bias {
      for n in 0..<input.batch { (output.pointer + n * outputs).update(from: bias.pointer, count: outputs) }
    }
    BLAS.gemm(
      transposeB: true, m: input.batch, n: outputs, k: inputCount, a: input.pointer, lda: inputCount,
      b: weight.pointer, ldb: inputCount, beta: bias == nil ? 0 : 1, c: output.pointer, ldc: outputs)
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let input = inputs[0]
    let outputs = outputShape.channels
    BLAS.gemm(
      transposeA: true, m: outputs, n: inputCount, k: input.batch, a: outputGradient.pointer, lda: outputs,
      b: input.pointer, ldb: inputCount, beta: 0, c: weightGradient.pointer, ldc: inputCount)
    if let biasGradient {
      biasGradient.zero()
      for n in 0..<input.batch {
        let row = outputGradient.pointer + n * outputs
        for o in 0..<outputs { biasGradient.pointer[o] += row[o] }
      }
    }
    if let inputGradient = inputGradients[0] {
      BLAS.gemm(
        m: input.batch, n: inputCount, k: outputs, a: outputGradient.pointer, lda: outputs,
        b: weight.pointer, ldb: inputCount, beta: accumulate[0] ? 1 : 0, c: inputGradient.pointer, ldc: inputCount)
    }
  }
}
