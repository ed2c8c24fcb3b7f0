/// Average pooling with Caffe's ceil-mode output size. As in Caffe, each window's divisor is its
/// size clipped to the padded input (padding counts, the area past it does not) while the sum
/// runs over the part inside the image.
final class AveragePooling: Layer {
  let inputShape: Shape
  let outputShape: Shape
  let geometry: PoolingGeometry

  init(name: String, input: Shape, kernel: Int, stride: Int, padding: Int) throws {
    inputShape = input
    geometry = PoolingGeometry(
      height: input.height, width: input.width, kernel: kernel, stride: stride, padding: padding)
    try geometry.validate(layer: name)
    outputShape = Shape(input.channels, geometry.outputHeight, geometry.outputWidth)
  }

  /// The clipped window of output (oh, ow): image rows and columns, and the divisor.
  @inline(__always)
  private func window(_ oh: Int, _ ow: Int) -> (rows: Range<Int>, columns: Range<Int>, divisor: Float) {
    let g = geometry
    let hStart = oh * g.stride - g.padding
    let wStart = ow * g.stride - g.padding
    let hEnd = Swift.min(hStart + g.kernel, g.height + g.padding)
    let wEnd = Swift.min(wStart + g.kernel, g.width + g.padding)
    let divisor = Float((hEnd - hStart) * (wEnd - wStart))
    return (Swift.max(hStart, 0)..<Swift.min(hEnd, g.height), Swift.max(wStart, 0)..<Swift.min(wEnd, g.width), divisor)
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let input = inputs[0]
    let width = geometry.width
    let inputPlane = geometry.height * width
    let outputHeight = outputShape.height
    let outputWidth = outputShape.width
    let outputPlane = outputHeight * outputWidth
    let x = input.pointer
    let y = output.pointer
    context.forEachRange(of: input.batch * inputShape.channels) { planes in
      for plane in planes {
        let source = x + plane * inputPlane
        let target = y + plane * outputPlane
        for oh in 0..<outputHeight {
          for ow in 0..<outputWidth {
            let (rows, columns, divisor) = window(oh, ow)
            var sum: Float = 0
            for h in rows { for w in columns { sum += source[h * width + w] } }
            target[oh * outputWidth + ow] = sum / divisor
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
    let width = geometry.width
    let inputPlane = geometry.height * width
    let outputHeight = outputShape.height
    let outputWidth = outputShape.width
    let outputPlane = outputHeight * outputWidth
    let dx = inputGradient.pointer
    let dy = outputGradient.pointer
    context.forEachRange(of: output.batch * outputShape.channels) { planes in
      for plane in planes {
        let target = dx + plane * inputPlane
        let source = dy + plane * outputPlane
        for oh in 0..<outputHeight {
          for ow in 0..<outputWidth {
            let (rows, columns, divisor) = window(oh, ow)
            let share = source[oh * outputWidth + ow] / divisor
            for h in rows { for w in columns { target[h * width + w] += share } }
          }
        }
      }
    }
  }
}
