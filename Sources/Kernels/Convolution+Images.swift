/// The image-parallel path of `Convolution`: with more than one thread and images that each fill
/// a GEMM (`imagesPerGEMM == 1`), the batch is split between the threads, each running its images
/// with single-threaded OpenBLAS and a scratch area of its own, instead of every GEMM being split
/// between the threads. A GEMM of one image is narrow enough (ResNet's 56² layers: 64 × 3136 ×
/// 576) that OpenBLAS's threads spend much of it waiting for each other, and im2col, col2im and
/// the bias pass, which OpenBLAS does not parallelise, are then run by both threads at once.
///
/// Scratch per thread: its columns (`workspaceCount`), then, for backward, its own weight and
/// bias gradients, which are added into the layer's after the parallel part (the first thread
/// writes the layer's own).
extension Convolution {
  /// Where one part of the batch writes its weight and bias gradients.
  struct ParameterGradients {
    var weight: UnsafeMutablePointer<Float>
    var bias: UnsafeMutablePointer<Float>?

    /// The layer's own gradients.
    init(of layer: Convolution) {
      weight = layer.weightGradient.pointer
      bias = layer.biasGradient?.pointer
    }

    /// A thread's partial gradients, after its columns in its scratch area.
    init(of layer: Convolution, in scratch: UnsafeMutablePointer<Float>) {
      weight = scratch + layer.workspaceCount
      bias = layer.biasGradient == nil ? nil : weight + layer.weightGradient.count
    }
  }

  /// Whether a pass over `batch` images splits them between the threads: when each image fills
  /// a GEMM and its columns (or a band's) fit in about a core's L2 cache. Larger column matrices
  /// (VGG's 3×3 layers at 28²: 4608 × 784 floats) are left to OpenBLAS's threads, which share
  /// one matrix instead of streaming two through memory (measured 0.89 against 0.79 of SGEMM).
  func splitsImages(batch: Int, context: ComputeContext) -> Bool {
    context.threads > 1 && imagesPerGEMM == 1 && batch > 1 && workspaceCount <= Self.bandLimit
  }

  /// Floats of scratch per thread on the image-parallel path.
  var scratchPerPart: Int { workspaceCount + weightGradient.count + (biasGradient?.count ?? 0) }

  /// Runs `body` once per part of the batch, concurrently, each with its part's images, its
  /// scratch area and a single-threaded context over that area; OpenBLAS runs single-threaded
  /// meanwhile. Grows the shared workspace on first use. Returns the number of parts.
  @discardableResult
  func forEachImagePart(
    batch: Int, context: ComputeContext,
    _ body: (_ part: Int, _ images: Range<Int>, _ scratch: UnsafeMutablePointer<Float>, _ own: ComputeContext) -> Void
  ) -> Int {
    let parts = context.parts(of: batch)
    let stride = scratchPerPart
    context.workspace.reserve(parts * stride)
    let base = context.workspace.pointer
    BLAS.setThreads(1)
    defer { BLAS.setThreads(context.threads) }
    context.forEachPart(of: batch) { part, images in
      let scratch = base + part * stride
      let own = ComputeContext(
        threads: 1, training: context.training, step: context.step,
        workspace: Workspace(borrowing: scratch, capacity: workspaceCount))
      body(part, images, scratch, own)
    }
    return parts
  }

  /// Adds the partial gradients of parts 1..<parts into the layer's, the elements split between
  /// the threads.
  func addPartialGradients(_ parts: Int, context: ComputeContext) {
    let base = context.workspace.pointer
    let partials = (1..<parts).map { ParameterGradients(of: self, in: base + $0 * scratchPerPart) }
    let weights = weightGradient.pointer
    context.forEachRange(of: weightGradient.count, minimumPerRange: 1 << 14) { range in
      for partial in partials {
        for index in range { weights[index] += partial.weight[index] }
      }
    }
    guard let biasGradient else { return }
    for partial in partials {
      guard let bias = partial.bias else { continue }
      for index in 0..<biasGradient.count { biasGradient.pointer[index] += bias[index] }
    }
  }
}
