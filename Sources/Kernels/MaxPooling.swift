/// Max pooling with Caffe's ceil-mode output size. Forward remembers where each maximum came
/// from; backward routes each output gradient to that one input element.
final class MaxPooling: Layer {
  let inputShape: Shape
  let outputShape: Shape
  let geometry: PoolingGeometry
  /// For each output element, the index of its maximum within its input plane.
  private let argmax: UnsafeMutablePointer<Int32>
  private let argmaxCount: Int

  init(name: String, input: Shape, kernel: Int, stride: Int, padding: Int, batch: Int) throws {
    inputShape = input
    geometry = PoolingGeometry(
      height: input.height, width: input.width, kernel: kernel, stride: stride, padding: padding)
    try geometry.validate(layer: name)
    outputShape = Shape(input.channels, geometry.outputHeight, geometry.outputWidth)
    argmaxCount = batch * outputShape.count
    argmax = .allocate(capacity: argmaxCount)
    argmax.initialize(repeating: 0, count: argmaxCount)
  }

  deinit { argmax.deallocate() }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let input = inputs[0]
    let g = geometry
    let height = g.height
    let width = g.width
    let outputHeight = g.outputHeight
    let outputWidth = g.outputWidth
    let inputPlane = height * width
    let outputPlane = outputHeight * outputWidth
    let x = input.pointer
    let y = output.pointer
    let argmax = argmax
    context.forEachRange(of: input.batch * inputShape.channels) { planes in
      for plane in planes {
        let source = x + plane * inputPlane
        let target = y + plane * outputPlane
        let indices = argmax + plane * outputPlane
        for oh in 0..<outputHeight {
          let hStart = Swift.max(oh * g.stride - g.padding, 0)
          let hEnd = Swift.min(oh * g.stride - g.padding + g.kernel, height)
          for ow in 0..<outputWidth {
            let wStart = Swift.max(ow * g.stride - g.padding, 0)
            let wEnd = Swift.min(ow * g.stride - g.padding + g.kernel, width)
            var best = -Float.infinity
            var bestIndex = hStart * width + wStart
            for h in hStart..<hEnd {
              for w in wStart..<wEnd where source[h * width + w] > best {
                best = source[h * width + w]
                bestIndex = h * width + w
              }
            }
            target[oh * outputWidth + ow] = best
            indices[oh * outputWidth + ow] = Int32(bestIndex)
          }
        }
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    if !accumulate[0] { inputGradient.zero() }
    let inputPlane = inputShape.height * inputShape.width
    let outputPlane = outputShape.height * outputShape.width
    let dx = inputGradient.pointer
    let dy = outputGradient.pointer
    let argmax = argmax
    context.forEachRange(of: output.batch * outputShape.channels) { planes in
      for plane in planes {
        let target = dx + plane * inputPlane
        let source = dy + plane * outputPlane
        let indices = argmax + plane * outputPlane
        for index in 0..<outputPlane { target[Int(indices[index])] += source[index] }
      }
    }
  }
}
