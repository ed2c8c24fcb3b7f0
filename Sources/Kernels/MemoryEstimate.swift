/// The memory one rank holds for a training step of a zoo model at a batch, from the same
/// tensor plan `Network` allocates by (`TensorPlan`), without allocating anything.
///
/// - weights: every stored parameter (trainable ones and running statistics), 4 bytes each;
/// - gradients: one per trainable parameter;
/// - optimizer: SGD with momentum, one velocity per trainable parameter;
/// - buckets: the allreduce's gradient buckets, which the data-parallel trainer fills with a
///   copy of the gradients (at every rank count, one included);
/// - activations: the network input, the layer outputs the plan keeps (an in-place ReLU shares
///   its input's), the shared output-gradient buffers, the per-sample state layers keep for
///   backward (dropout masks, LRN scales, max-pooling argmax, softmax probabilities) and the
///   convolutions' shared workspace (the largest `Convolution.workspaceCount`).
///
/// The process's own baseline (runtime, MPI, BLAS) is not part of the estimate.
public struct MemoryEstimate: Sendable, Equatable {
  public var weightsBytes: Int
  public var gradientsBytes: Int
  public var optimizerBytes: Int
  public var bucketsBytes: Int
  public var activationsBytes: Int

  /// The sum of the five parts.
  public var totalBytes: Int { weightsBytes + gradientsBytes + optimizerBytes + bucketsBytes + activationsBytes }

  public init(weightsBytes: Int, gradientsBytes: Int, optimizerBytes: Int, bucketsBytes: Int, activationsBytes: Int) {
    self.weightsBytes = weightsBytes
    self.gradientsBytes = gradientsBytes
    self.optimizerBytes = optimizerBytes
    self.bucketsBytes = bucketsBytes
    self.activationsBytes = activationsBytes
  }

  /// The estimate for `spec` at `batch` samples per rank.
  /// - Throws: `ModelSpecError` for an invalid spec, `NetworkError.invalidBatch` for a batch < 1.
  public init(spec: ModelSpec, batch: Int) throws {
    guard batch > 0 else { throw NetworkError.invalidBatch(batch) }
    let element = MemoryLayout<Float>.size
    let summary = try spec.summary()
    let shaped = try spec.shapedLayers()
    var indexByName: [String: Int] = [:]
    for (index, layer) in shaped.enumerated() { indexByName[layer.layer.name] = index }
    let sources = shaped.map { layer in layer.layer.inputs.isEmpty ? [-1] : layer.layer.inputs.map { indexByName[$0]! }
    }
    let sizes = shaped.map { batch * $0.outputShape.count }
    let plan = TensorPlan(
      sources: sources, sizes: sizes, inPlaceCapable: shaped.map { $0.layer.kind == .relu },
      readsOwnOutput: shaped.map { Self.backwardReadsOutput($0.layer.kind) })
    var floats = batch * spec.input.count
    floats += shaped.indices.filter { plan.outputOwner[$0] == $0 }.map { sizes[$0] }.reduce(0, +)
    floats += plan.bufferSizes.reduce(0, +)
    // Output gradients with no buffer of their own plan entry (an output nobody reads) get a
    // tensor each; the loss's gradient is its output.
    floats += shaped.indices.dropLast().filter { plan.gradientBuffer[$0] == nil }.map { sizes[$0] }.reduce(0, +)
    var columns = 0
    for layer in shaped {
      let input = layer.inputShapes[0]
      switch layer.layer.kind {
      case .dropout, .localResponseNorm: floats += batch * input.count
      case .maxPool, .globalMaxPool, .softmaxCrossEntropy: floats += batch * layer.outputShape.count
      case .convolution(let outputs, let kernel, let stride, let padding, _, _):
        let pointwise = kernel == Extent(1) && stride == Extent(1) && padding == Extent(0)
        let geometry = ConvolutionGeometry(
          channels: input.channels, height: input.height, width: input.width, kernel: kernel, stride: stride,
          padding: padding)
        let blocking = Convolution.blocking(geometry, batch: batch, isPointwise: pointwise)
        let count = Convolution.workspaceCount(
          geometry, outputs: outputs, imagesPerGEMM: blocking.imagesPerGEMM,
          outputRowsPerBand: blocking.outputRowsPerBand, isPointwise: pointwise)
        columns = max(columns, count)
      default: break
      }
    }
    floats += columns
    // Caffe's count of a batch norm's blobs includes a moving-average factor the agent does not keep.
    let stored = summary.parameters - shaped.filter { $0.layer.kind == .batchNormScale }.count
    self.init(
      weightsBytes: stored * element, gradientsBytes: summary.trainableParameters * element,
      optimizerBytes: summary.trainableParameters * element, bucketsBytes: summary.trainableParameters * element,
      activationsBytes: floats * element)
  }

  /// Whether a layer of `kind` reads its own output in backward (as `Layer.backwardReadsOutput`).
  static func backwardReadsOutput(_ kind: LayerKind) -> Bool {
    switch kind {
    case .convolution, .batchNormScale, .sum: false
    default: true
    }
  }
}
