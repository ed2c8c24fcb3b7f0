/// The banded path of `Convolution`: one image at a time, its column matrix built and used a band
/// of output rows at a time (K × band width floats instead of K × P), so that the columns im2col
/// writes are still in cache when the GEMM packs them, and col2im reads what the GEMM just wrote.
extension Convolution {
  /// Floats a band's column matrix may hold (2 MiB: about a core's L2 cache).
  static let bandLimit = 1 << 19
  /// The narrowest band, in output positions: narrower GEMMs would spend more time repacking
  /// the weights than multiplying.
  static let minimumBandWidth = 512

  /// Output rows per band: as many as fit `limit` floats of columns, split evenly; the whole
  /// image (no bands) when it fits, or when a band of `minimumBandWidth` positions would not fit
  /// (then banding cannot keep the columns in cache and only narrows the GEMMs).
  static func outputRowsPerBand(rows: Int, outputHeight: Int, outputWidth: Int, limit: Int) -> Int {
    let fitting = limit / Swift.max(1, rows * outputWidth)
    let narrowest = (minimumBandWidth + outputWidth - 1) / outputWidth
    guard fitting >= narrowest, fitting < outputHeight else { return outputHeight }
    let bands = (outputHeight + fitting - 1) / fitting
    return (outputHeight + bands - 1) / bands
  }

  /// Whether this convolution runs in bands (more than one band per image).
  var isBanded: Bool { outputRowsPerBand < geometry.outputHeight }

  func forwardInBands(_ input: Tensor, images: Range<Int>, into output: Tensor, context: ComputeContext) {
    let p = geometry.outputPositions
    let outputWidth = geometry.outputWidth
    let m = outputShape.channels / groups
    let k = geometry.rows / groups
    let columns = context.workspace.pointer
    for n in images {
      let image = input.pointer + n * inputShape.count
      let result = output.pointer + n * outputShape.count
      for first in stride(from: 0, to: geometry.outputHeight, by: outputRowsPerBand) {
        let band = first..<Swift.min(first + outputRowsPerBand, geometry.outputHeight)
        let width = band.count * outputWidth
        let offset = first * outputWidth
        geometry.im2col(image, into: columns, rowStride: width, outputRows: band, context: context)
        for g in 0..<groups {
          BLAS.gemm(
            m: m, n: width, k: k, a: weight.pointer + g * m * k, lda: k, b: columns + g * k * width, ldb: width,
            beta: 0, c: result + g * m * p + offset, ldc: p)
        }
        addBias(to: result, positions: offset..<(offset + width), context: context)
      }
    }
  }

  func backwardInBands(
    _ input: Tensor, images: Range<Int>, outputGradient: Tensor, inputGradient: Tensor?, adding: Bool,
    into gradients: ParameterGradients, context: ComputeContext
  ) {
    let p = geometry.outputPositions
    let outputWidth = geometry.outputWidth
    let m = outputShape.channels / groups
    let k = geometry.rows / groups
    let columns = context.workspace.pointer
    for n in images {
      let image = input.pointer + n * inputShape.count
      let gradient = outputGradient.pointer + n * outputShape.count
      accumulateBiasGradient(from: gradient, into: gradients.bias, context: context)
      for first in stride(from: 0, to: geometry.outputHeight, by: outputRowsPerBand) {
        let band = first..<Swift.min(first + outputRowsPerBand, geometry.outputHeight)
        let width = band.count * outputWidth
        let offset = first * outputWidth
        geometry.im2col(image, into: columns, rowStride: width, outputRows: band, context: context)
        for g in 0..<groups {
          BLAS.gemm(
            transposeB: true, m: m, n: k, k: width, a: gradient + g * m * p + offset, lda: p,
            b: columns + g * k * width,
            ldb: width, beta: n == images.lowerBound && first == 0 ? 0 : 1, c: gradients.weight + g * m * k, ldc: k)
        }
        guard let inputGradient else { continue }
        for g in 0..<groups {
          BLAS.gemm(
            transposeA: true, m: k, n: width, k: m, a: weight.pointer + g * m * k, lda: k,
            b: gradient + g * m * p + offset,
            ldb: p, beta: 0, c: columns + g * k * width, ldc: width)
        }
        geometry.col2im(
          columns, rowStride: width, outputRows: band, addingInto: inputGradient.pointer + n * inputShape.count,
          zeroingFirst: !adding && first == 0, context: context)
      }
    }
  }
}
