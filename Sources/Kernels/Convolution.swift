/// 2-D convolution with stride, zero padding, groups and optional bias, as one GEMM per image and
/// group over im2col columns (Caffe's scheme). A 1×1, stride-1, unpadded convolution reads its
/// input directly as the column matrix.
///
/// When an image has few output positions (ResNet's 7×7 and 14×14 stages), several images are
/// laid side by side in one column matrix so that each GEMM stays wide enough to run near peak;
/// the result is staged and scattered back to NCHW.
///
/// When one image's column matrix is large (wide images, many channels), it is built and
/// multiplied a band of output rows at a time, so the columns stay in cache between im2col and
/// the GEMM that reads them (`Convolution+Bands.swift`).
///
/// Per image and group, with M = outputs/groups, K = (channels/groups)·KH·KW, P = OH·OW:
/// forward Y_g[M×P] = W_g[M×K]·X_g[K×P]; backward dW_g += dY_g·X_gᵀ and dX_g = W_gᵀ·dY_g
/// (then col2im). Cost: 2·N·outputs·K·P FLOPs forward, twice that backward.
final class Convolution: Layer {
  let name: String
  let backwardReadsOutput = false
  let inputShape: Shape
  let outputShape: Shape
  let groups: Int
  let geometry: ConvolutionGeometry
  let isPointwise: Bool
  /// Images per GEMM: 1 unless an image has fewer than `widthTarget` output positions.
  let imagesPerGEMM: Int
  /// Output rows per band on the banded path; the output height when not banded.
  let outputRowsPerBand: Int
  let weight: Tensor
  let weightGradient: Tensor
  let bias: Tensor?
  let biasGradient: Tensor?

  /// The GEMM width (columns) below which images are batched together.
  static let widthTarget = 384
  /// The largest column matrix, in floats, that batching images may build.
  static let batchedColumnLimit = 1 << 23

  init(
    name: String, input: Shape, outputs: Int, kernel: Extent, stride: Extent, padding: Extent,
    groups: Int, bias hasBias: Bool, batch: Int = 1, bandLimit: Int = Convolution.bandLimit,
    generator: inout SeededGenerator
  ) throws {
    guard groups > 0, input.channels % groups == 0, outputs % groups == 0 else {
      throw NetworkError.invalidLayer(
        name, "channels \(input.channels) and outputs \(outputs) must divide by groups \(groups)")
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
    (imagesPerGEMM, outputRowsPerBand) = Self.blocking(
      geometry, batch: batch, isPointwise: isPointwise, bandLimit: bandLimit)
    weight = Tensor(batch: outputs, shape: Shape(input.channels / groups, kernel.h, kernel.w))
    weightGradient = Tensor(batch: outputs, shape: weight.shape)
    weight.fillNormal(deviation: (2 / Float(geometry.rows / groups)).squareRoot(), using: &generator)
    bias = hasBias ? Tensor(batch: 1, shape: Shape(outputs, 1, 1)) : nil
    biasGradient = hasBias ? Tensor(batch: 1, shape: Shape(outputs, 1, 1)) : nil
  }

  /// Floats of scratch needed: the column matrix of one GEMM's images (all groups), and when
  /// images are batched, the staged output of as many images.
  var workspaceCount: Int {
    Self.workspaceCount(
      geometry, outputs: outputShape.channels, imagesPerGEMM: imagesPerGEMM, outputRowsPerBand: outputRowsPerBand,
      isPointwise: isPointwise)
  }

  /// Images per GEMM and output rows per band for a convolution of `geometry` at `batch`.
  static func blocking(_ geometry: ConvolutionGeometry, batch: Int, isPointwise: Bool, bandLimit: Int = bandLimit)
    -> (imagesPerGEMM: Int, outputRowsPerBand: Int)
  {
    let positions = geometry.outputPositions
    let images = Swift.max(
      1,
      Swift.min(
        batch, (widthTarget + positions - 1) / positions,
        batchedColumnLimit / Swift.max(1, geometry.rows * positions)))
    let rows =
      images > 1 || isPointwise
      ? geometry.outputHeight
      : outputRowsPerBand(
        rows: geometry.rows, outputHeight: geometry.outputHeight, outputWidth: geometry.outputWidth, limit: bandLimit)
    return (images, rows)
  }

  /// `workspaceCount` of a convolution with this geometry and blocking.
  static func workspaceCount(
    _ geometry: ConvolutionGeometry, outputs: Int, imagesPerGEMM: Int, outputRowsPerBand: Int, isPointwise: Bool
  ) -> Int {
    let width = imagesPerGEMM * geometry.outputPositions
    if outputRowsPerBand < geometry.outputHeight { return geometry.rows * outputRowsPerBand * geometry.outputWidth }
    if imagesPerGEMM == 1 { return isPointwise ? 0 : geometry.rows * width }
    return geometry.rows * width + outputs * width
  }

  var parameters: [Parameter] {
    var list = [
      Parameter(
        name: "\(name).weight",
        dimensions: [weight.batch, weight.shape.channels, weight.shape.height, weight.shape.width],
        value: weight, gradient: weightGradient)
    ]
    if let bias, let biasGradient {
      list.append(
        Parameter(name: "\(name).bias", dimensions: [outputShape.channels], value: bias, gradient: biasGradient))
    }
    return list
  }

  /// Builds the column matrix of images `first..<first + count` side by side (rows of
  /// `count`·P floats); a single pointwise image is its own column matrix.
  private func columns(of input: Tensor, images first: Int, count: Int, context: ComputeContext)
    -> UnsafeMutablePointer<Float>
  {
    let p = geometry.outputPositions
    let width = count * p
    let columns = context.workspace.pointer
    if isPointwise && count == 1 { return input.pointer + first * inputShape.count }
    for i in 0..<count {
      let image = input.pointer + (first + i) * inputShape.count
      if isPointwise {
        for channel in 0..<inputShape.channels {
          (columns + channel * width + i * p).update(from: image + channel * p, count: p)
        }
      } else {
        geometry.im2col(image, into: columns + i * p, rowStride: width, context: context)
      }
    }
    return columns
  }

  /// Copies between NCHW images `first..<first + count` and the staged matrix (outputs × count·P).
  private func transfer(
    _ tensor: Tensor, images first: Int, count: Int, staged: UnsafeMutablePointer<Float>, toStage: Bool
  ) {
    let p = geometry.outputPositions
    let width = count * p
    for i in 0..<count {
      let image = tensor.pointer + (first + i) * outputShape.count
      for channel in 0..<outputShape.channels {
        let stage = staged + channel * width + i * p
        let plane = image + channel * p
        if toStage { stage.update(from: plane, count: p) } else { plane.update(from: stage, count: p) }
      }
    }
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let input = inputs[0]
    if splitsImages(batch: input.batch, context: context) {
      forEachImagePart(batch: input.batch, context: context) { _, images, _, own in
        forward(input, images: images, into: output, context: own)
      }
    } else {
      forward(input, images: 0..<input.batch, into: output, context: context)
    }
  }

  /// The forward pass of images `images`, the threads of `context` sharing each image's work.
  func forward(_ input: Tensor, images: Range<Int>, into output: Tensor, context: ComputeContext) {
    if isBanded { return forwardInBands(input, images: images, into: output, context: context) }
    let p = geometry.outputPositions
    let m = outputShape.channels / groups
    let k = geometry.rows / groups
    for first in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerGEMM) {
      let count = Swift.min(imagesPerGEMM, images.upperBound - first)
      let width = count * p
      let columns = columns(of: input, images: first, count: count, context: context)
      let staged = imagesPerGEMM > 1
      let result =
        staged
        ? context.workspace.pointer + geometry.rows * imagesPerGEMM * p : output.pointer + first * outputShape.count
      for g in 0..<groups {
        BLAS.gemm(
          m: m, n: width, k: k, a: weight.pointer + g * m * k, lda: k, b: columns + g * k * width, ldb: width,
          beta: 0, c: result + g * m * width, ldc: width)
      }
      if staged { transfer(output, images: first, count: count, staged: result, toStage: false) }
      // Bias while these images are still in cache. (Splitting the GEMM into chunks so that the
      // bias finds each chunk in L2 measured slower: the narrower GEMMs cost more than it saved.)
      for n in first..<(first + count) {
        addBias(to: output.pointer + n * outputShape.count, positions: 0..<p, context: context)
      }
    }
  }

  /// Adds the bias (if any) to output positions `positions` of every channel plane of one output
  /// image, the channels split between the threads.
  func addBias(to image: UnsafeMutablePointer<Float>, positions: Range<Int>, context: ComputeContext) {
    guard let bias else { return }
    let p = geometry.outputPositions
    context.forEachRange(of: outputShape.channels, minimumPerRange: Self.channelsPerThread(positions.count)) {
      for channel in $0 {
        let value = bias.pointer[channel]
        let plane = image + channel * p
        for index in positions { plane[index] += value }
      }
    }
  }

  /// Adds one image's output gradient, summed over each channel plane, to `biasGradient` (if
  /// any), the channels split between the threads.
  func accumulateBiasGradient(
    from gradient: UnsafePointer<Float>, into biasGradient: UnsafeMutablePointer<Float>?, context: ComputeContext
  ) {
    guard let biasGradient else { return }
    let p = geometry.outputPositions
    context.forEachRange(of: outputShape.channels, minimumPerRange: Self.channelsPerThread(p)) {
      for channel in $0 { biasGradient[channel] += VectorLoops.sum(gradient + channel * p, count: p) }
    }
  }

  /// The fewest channels worth a thread in the bias loops: about 16 K floats of work.
  static func channelsPerThread(_ positions: Int) -> Int { Swift.max(1, (1 << 14) / Swift.max(1, positions)) }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let input = inputs[0]
    let targets = { (images: Range<Int>, gradients: ParameterGradients, context: ComputeContext) in
      self.backward(
        input, images: images, outputGradient: outputGradient, inputGradient: inputGradients[0],
        adding: accumulate[0], into: gradients, context: context)
    }
    guard splitsImages(batch: input.batch, context: context) else {
      return targets(0..<input.batch, ParameterGradients(of: self), context)
    }
    // The first part writes the layer's gradients, the others their own, added in after.
    let parts = forEachImagePart(batch: input.batch, context: context) { part, images, scratch, own in
      targets(images, part == 0 ? ParameterGradients(of: self) : ParameterGradients(of: self, in: scratch), own)
    }
    addPartialGradients(parts, context: context)
  }

  /// The backward pass of images `images`, writing the weight and bias gradients of those images
  /// to `gradients` (overwritten, not added to), the threads of `context` sharing each image's work.
  func backward(
    _ input: Tensor, images: Range<Int>, outputGradient: Tensor, inputGradient: Tensor?, adding: Bool,
    into gradients: ParameterGradients, context: ComputeContext
  ) {
    gradients.bias?.update(repeating: 0, count: outputShape.channels)
    if isBanded {
      return backwardInBands(
        input, images: images, outputGradient: outputGradient, inputGradient: inputGradient, adding: adding,
        into: gradients, context: context)
    }
    let p = geometry.outputPositions
    let m = outputShape.channels / groups
    let k = geometry.rows / groups
    let directPointwise = isPointwise && imagesPerGEMM == 1
    for first in stride(from: images.lowerBound, to: images.upperBound, by: imagesPerGEMM) {
      let count = Swift.min(imagesPerGEMM, images.upperBound - first)
      let width = count * p
      let staged = imagesPerGEMM > 1
      for n in first..<(first + count) {
        accumulateBiasGradient(
          from: outputGradient.pointer + n * outputShape.count, into: gradients.bias, context: context)
      }
      let gradient: UnsafeMutablePointer<Float>
      if staged {
        gradient = context.workspace.pointer + geometry.rows * imagesPerGEMM * p
        transfer(outputGradient, images: first, count: count, staged: gradient, toStage: true)
      } else {
        gradient = outputGradient.pointer + first * outputShape.count
      }
      let columns = columns(of: input, images: first, count: count, context: context)
      for g in 0..<groups {
        BLAS.gemm(
          transposeB: true, m: m, n: k, k: width, a: gradient + g * m * width, lda: width, b: columns + g * k * width,
          ldb: width, beta: first == images.lowerBound ? 0 : 1, c: gradients.weight + g * m * k, ldc: k)
      }
      guard let inputGradient else { continue }
      let image = inputGradient.pointer + first * inputShape.count
      // A single pointwise image: dX is the column gradient itself. Otherwise the workspace
      // columns are overwritten with the column gradient and scattered back.
      let columnGradient = directPointwise ? image : context.workspace.pointer
      for g in 0..<groups {
        BLAS.gemm(
          transposeA: true, m: k, n: width, k: m, a: weight.pointer + g * m * k, lda: k, b: gradient + g * m * width,
          ldb: width, beta: directPointwise && adding ? 1 : 0, c: columnGradient + g * k * width, ldc: width)
      }
      if directPointwise { continue }
      for i in 0..<count {
        let target = image + i * inputShape.count
        if isPointwise {
          for channel in 0..<inputShape.channels {
            let source = columnGradient + channel * width + i * p
            let plane = target + channel * p
            if adding {
              for index in 0..<p { plane[index] += source[index] }
            } else {
              plane.update(from: source, count: p)
            }
          }
        } else {
          geometry.col2im(
            columnGradient + i * p, rowStride: width, addingInto: target, zeroingFirst: !adding, context: context)
        }
      }
    }
  }
}
