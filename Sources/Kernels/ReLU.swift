/// Rectified linear unit: y = max(x, 0); dx = dy where y > 0, else 0.
final class ReLU: Layer {
  let outputShape: Shape

  init(input: Shape) { outputShape = input }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let x = inputs[0].pointer
    let y = output.pointer
    context.forEachRange(of: output.count, minimumPerRange: 1 << 16) { range in
      VectorLoops.rectify(x, into: y, range: range)
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    let y = output.pointer
    let dy = outputGradient.pointer
    let dx = inputGradient.pointer
    let adding = accumulate[0]
    context.forEachRange(of: output.count, minimumPerRange: 1 << 16) { range in
      VectorLoops.passWherePositive(dy, y, into: dx, range: range, adding: adding)
    }
  }
}
