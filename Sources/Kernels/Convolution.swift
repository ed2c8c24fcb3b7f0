/// 2-D convolution with stride, zero padding, groups and optional bias, as one GEMM per image and
/// group over im2col columns (Caffe's scheme). A 1×1, stride-1, unpadded convolution reads its
/// input directly as the column matrix.
///
/// Per image and group, with M = outputs/groups, K = (channels/groups)·KH·KW, P = OH·OW:
/// forward Y_g[M×P] = W_g[M×K]·X_g[K×P]; backward dW_g += dY_g·X_gᵀ and dX_g = W_gᵀ·dY_g
/// (then col2im). Cost: 2·N·outputs·K·P FLOPs forward, twice that backward.
final class Convolution: Layer {
  let name: String
  let inputShape: Shape
  let outputShape: Shape
  let groups: Int
  let geometry: ConvolutionGeometry
  let isPointwise: Bool
  let weight: Tensor
  let weightGradient: Tensor
  let bias: Tensor?
  let biasGradient: Tensor?

  init(
    name: String, input: Shape, outputs: Int, kernel: Extent, stride: Extent, padding: Extent,
    groups: Int, bias hasBias: Bool, generator: inout SeededGenerator
  ) throws {
    guard groups > 0, input.channels % groups == 0, outputs % groups == 0 else {
      throw NetworkError.invalidLayer(name, "channels \(input.channels) and outputs \(outputs) must divide by groups \(groups)")
    }
    guard kernel.h > 0, kernel.w > 0, stride.h > 0, stride.w > 0, padding.h >= 0, padding.w >= 0,
      input.height + 2 * padding.h >= kernel.h, input.width + 2 * padding.w >= kernel.w
    else { throw NetworkError.invalidLayer(name, "kernel does not fit the padded \(input) input") }
    self.name = name
    self.inputShape = input
    self.groups = groups
    geometry = ConvolutionGeometry(
      channels: input.channels, height: input.height, width: input.width,
      kernel: kernel, stride: stride, padding: padding)
    outputShape = Shape(outputs, geometry.outputHeight, geometry.outputWidth)
    isPointwise = kernel == Extent(1) && stride == Extent(1) && padding == Extent(0)
    weight = Tensor(batch: outputs, shape: Shape(input.channels / groups, kernel.h, kernel.w))
    weightGradient = Tensor(batch: outputs, shape: weight.shape)
    weight.fillNormal(deviation: (2 / Float(geometry.rows / groups)).squareRoot(), using: &generator)
    bias = hasBias ? Tensor(batch: 1, shape: Shape(outputs, 1, 1)) : nil
    biasGradient = hasBias ? Tensor(batch: 1, shape: Shape(outputs, 1, 1)) : nil
  }

  /// Floats of scratch needed: the column matrix of one image (all groups).
  var workspaceCount: Int { isPointwise ? 0 : geometry.rows * geometry.outputPositions }

  var parameters: [Parameter] {
    var list = [
      Parameter(
        name: "\(name).weight", dimensions: [weight.batch, weight.shape.channels, weight.shape.height, weight.shape.width],
        value: weight, gradient: weightGradient)
    ]
    if let bias, let biasGradient {
      list.append(Parameter(name: "\(name).bias", dimensions: [outputShape.channels], value: bias, gradient: biasGradient))
    }
    return list
  }

  /// The column matrix of image `n`: the input itself for pointwise convolutions.
  @inline(__always)
  private func columns(of input: Tensor, image n: Int, context: ComputeContext) -> UnsafeMutablePointer<Float> {
    let image = input.pointer + n * inputShape.count
    if isPointwise { return image }
    geometry.im2col(image, into: context.workspace.pointer, context: context)
    return context.workspace.pointer
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let input = inputs[0]
    let m = outputShape.channels / groups, k = geometry.rows / groups, p = geometry.outputPositions
    for n in 0..<input.batch {
      let columns = columns(of: input, image: n, context: context)
      let result = output.pointer + n * outputShape.count
      for g in 0..<groups {
        BLAS.gemm(
          m: m, n: p, k: k, a: weight.pointer + g * m * k, lda: k, b: columns + g * k * p, ldb: p,
          beta: 0, c: result + g * m * p, ldc: p)
      }
      if let bias {
        for channel in 0..<outputShape.channels {
          let value = bias.pointer[channel], plane = result + channel * p
          for index in 0..<p { plane[index] += value }
        }
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let input = inputs[0]
    let m = outputShape.channels / groups, k = geometry.rows / groups, p = geometry.outputPositions
    if let biasGradient {
      biasGradient.zero()
      for n in 0..<input.batch {
        for channel in 0..<outputShape.channels {
          let plane = outputGradient.pointer + n * outputShape.count + channel * p
          var sum: Float = 0
          for index in 0..<p { sum += plane[index] }
          biasGradient.pointer[channel] += sum
        }
      }
    }
    let inputGradient = inputGradients[0]
    if let inputGradient, !accumulate[0], !isPointwise { inputGradient.zero() }
    for n in 0..<input.batch {
      let columns = columns(of: input, image: n, context: context)
      let gradient = outputGradient.pointer + n * outputShape.count
      for g in 0..<groups {
        BLAS.gemm(
          transposeB: true, m: m, n: k, k: p, a: gradient + g * m * p, lda: p, b: columns + g * k * p, ldb: p,
          beta: n == 0 ? 0 : 1, c: weightGradient.pointer + g * m * k, ldc: k)
      }
      guard let inputGradient else { continue }
      let image = inputGradient.pointer + n * inputShape.count
      // Pointwise: dX is the column gradient itself; otherwise reuse the workspace, then col2im.
      let columnGradient = isPointwise ? image : context.workspace.pointer
      for g in 0..<groups {
        BLAS.gemm(
          transposeA: true, m: k, n: p, k: m, a: weight.pointer + g * m * k, lda: k, b: gradient + g * m * p, ldb: p,
          beta: isPointwise && accumulate[0] ? 1 : 0, c: columnGradient + g * k * p, ldc: p)
      }
      if !isPointwise { geometry.col2im(columnGradient, addingInto: image, context: context) }
    }
  }
}
