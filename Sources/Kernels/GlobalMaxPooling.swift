/// Max pooling over the whole plane (C × H × W → C × 1 × 1), as TextCNN's max over time.
/// Forward remembers where each maximum came from; backward routes the gradient there.
final class GlobalMaxPooling: Layer {
  let inputShape: Shape
  let outputShape: Shape
  /// For each (sample, channel), the index of its maximum within the plane.
  private let argmax: UnsafeMutablePointer<Int32>
  private let argmaxCount: Int

  init(input: Shape, batch: Int) {
    inputShape = input
    outputShape = Shape(input.channels, 1, 1)
    argmaxCount = batch * input.channels
    argmax = .allocate(capacity: argmaxCount)
    argmax.initialize(repeating: 0, count: argmaxCount)
  }

  deinit { argmax.deallocate() }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let plane = inputShape.height * inputShape.width
    let x = inputs[0].pointer
    let y = output.pointer
    let argmax = argmax
    context.forEachRange(of: output.batch * inputShape.channels) { planes in
      for index in planes {
        let source = x + index * plane
        var best = source[0]
        var bestIndex = 0
        for position in 1..<plane where source[position] > best {
          best = source[position]
          bestIndex = position
        }
        y[index] = best
        argmax[index] = Int32(bestIndex)
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    if !accumulate[0] { inputGradient.zero() }
    let plane = inputShape.height * inputShape.width
    let dx = inputGradient.pointer
    let dy = outputGradient.pointer
    let argmax = argmax
    context.forEachRange(of: output.batch * inputShape.channels) { planes in
      for index in planes { dx[index * plane + Int(argmax[index])] += dy[index] }
    }
  }
}
