/// Parameter and multiply-accumulate counts of a spec, per layer and in total, by Caffe's rules.
///
/// - Stored parameters are every blob Caffe saves: weights, biases, and for each
///   batch-normalisation layer its running mean (C), running variance (C) and one
///   moving-average factor, plus the Scale layer's gamma (C) and beta (C).
/// - Trainable parameters are the ones with a gradient (weights, biases, gamma, beta): what a
///   data-parallel allreduce moves every step.
/// - Forward MACs count the multiply-accumulates of convolution and fully connected weights at
///   batch 1; biases, normalisation, activations and pooling are not counted. FLOPs = 2 × MACs.

/// The counts of one layer.
public struct LayerSummary: Sendable {
  public var name: String
  public var kind: LayerKind
  public var inputShapes: [Shape]
  public var outputShape: Shape
  /// Blobs Caffe stores for this layer.
  public var parameters: Int
  /// The stored blobs that receive a gradient.
  public var trainableParameters: Int
  /// Multiply-accumulates of the forward pass at batch 1.
  public var forwardMACs: Int
}

/// The counts of a whole network.
public struct ModelSummary: Sendable {
  public var name: String
  public var layers: [LayerSummary]

  public var parameters: Int { layers.map(\.parameters).reduce(0, +) }
  public var trainableParameters: Int { layers.map(\.trainableParameters).reduce(0, +) }
  /// Stored parameters as 4-byte floats, in MiB (what the talk's table calls MB).
  public var sizeMB: Double { Double(parameters * 4) / Double(1 << 20) }
  /// Bytes of gradient a data-parallel step allreduces: trainable parameters as 4-byte floats.
  public var gradientBytes: Int { trainableParameters * 4 }
  public var forwardMACs: Int { layers.map(\.forwardMACs).reduce(0, +) }
  /// Forward multiply-accumulates at batch 1, in units of 10⁹.
  public var forwardGMACs: Double { Double(forwardMACs) / 1e9 }
  /// Forward floating-point operations at batch 1 (2 per MAC), in units of 10⁹.
  public var forwardGFLOPs: Double { 2 * forwardGMACs }
}

extension ModelSpec {
  /// Shapes, parameters and MACs of every layer.
  /// - Throws: `ModelSpecError` when the graph is not valid.
  public func summary() throws -> ModelSummary {
    let layers = try shapedLayers().map { shaped in
      let counts = shaped.layer.kind.counts(
        reading: shaped.inputShapes[0], writing: shaped.outputShape)
      return LayerSummary(
        name: shaped.layer.name, kind: shaped.layer.kind, inputShapes: shaped.inputShapes,
        outputShape: shaped.outputShape, parameters: counts.stored,
        trainableParameters: counts.trainable, forwardMACs: counts.forwardMACs)
    }
    return ModelSummary(name: name, layers: layers)
  }
}

extension ModelSpec {
  /// The element count of every trainable parameter tensor, in the order backward finalises
  /// their gradients (`Network.gradientOrder`: last layer first, within a layer its own order):
  /// what the agent packs into gradient buckets (`BucketPlan`).
  public func gradientTensorCounts() throws -> [Int] {
    try shapedLayers().reversed().flatMap { shaped in
      shaped.layer.kind.trainableTensorCounts(reading: shaped.inputShapes[0])
    }
  }
}

extension LayerKind {
  /// The element counts of this layer's trainable tensors, in the layer's own parameter order
  /// (weight then bias; gamma then beta), given the shape of its (first) input.
  public func trainableTensorCounts(reading input: Shape) -> [Int] {
    switch self {
    case .convolution(let outputs, let kernel, _, _, let groups, let bias):
      return [outputs * (input.channels / groups) * kernel.h * kernel.w] + (bias ? [outputs] : [])
    case .fullyConnected(let outputs, let bias):
      return [outputs * input.count] + (bias ? [outputs] : [])
    case .batchNormScale:
      return [input.channels, input.channels]
    case .relu, .maxPool, .averagePool, .globalMaxPool, .localResponseNorm, .dropout, .concat,
      .sum, .softmaxCrossEntropy:
      return []
    }
  }

  /// Stored and trainable parameters and forward MACs of this layer at batch 1, given the shape
  /// of its (first) input and of its output.
  public func counts(reading input: Shape, writing output: Shape)
    -> (stored: Int, trainable: Int, forwardMACs: Int)
  {
    switch self {
    case .convolution(let outputs, let kernel, _, _, let groups, let bias):
      let weights = outputs * (input.channels / groups) * kernel.h * kernel.w
      let parameters = weights + (bias ? outputs : 0)
      return (parameters, parameters, weights * output.height * output.width)
    case .fullyConnected(let outputs, let bias):
      let weights = outputs * input.count
      let parameters = weights + (bias ? outputs : 0)
      return (parameters, parameters, weights)
    case .batchNormScale:
      let channels = input.channels
      let gammaAndBeta = 2 * channels
      let meanVarianceAndFactor = 2 * channels + 1
      return (meanVarianceAndFactor + gammaAndBeta, gammaAndBeta, 0)
    case .relu, .maxPool, .averagePool, .globalMaxPool, .localResponseNorm, .dropout, .concat,
      .sum, .softmaxCrossEntropy:
      return (0, 0, 0)
    }
  }
}
