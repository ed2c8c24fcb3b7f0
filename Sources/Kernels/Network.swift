/// A `ModelSpec` instantiated at a batch size: layers, their output tensors and output-gradient
/// tensors, all allocated once here, and forward, loss and backward over the graph.
///
/// Output gradients share buffers by lifetime and a ReLU may run in place over its input (see
/// `TensorPlan`), so memory grows with one output per layer plus a few gradient buffers.
///
/// Layers run in spec order, reading their inputs by name. Backward runs in reverse: a tensor
/// read by several layers (a ResNet shortcut, GoogLeNet's branches) receives its gradient from
/// the last of its readers first (which overwrites) and from the others after (which add), so no
/// gradient tensor needs clearing between steps.
public final class Network {
  public let spec: ModelSpec
  public let batchSize: Int
  /// The network input, N × spec.input.
  public let input: Tensor
  public let layers: [any Layer]
  /// Each layer's output, in spec order. An in-place ReLU shares its input's tensor, which
  /// therefore holds the rectified values after forward.
  public let outputs: [Tensor]
  /// Trainable parameters in the order backward finalises their gradients: last layer first,
  /// and within a layer in the layer's own order.
  public let gradientOrder: [TrainableParameter]
  /// Wall-clock seconds of each layer in the last forward and backward pass.
  public private(set) var forwardSeconds: [Double]
  public private(set) var backwardSeconds: [Double]
  public private(set) var context: ComputeContext

  private let outputGradients: [Tensor]
  private let layerInputs: [[Tensor]]
  private let layerInputGradients: [[Tensor?]]
  private let accumulate: [[Bool]]
  private let loss: SoftmaxCrossEntropy
  private let hasTrainableParameters: [Bool]
  private let indexByName: [String: Int]

  /// Builds the network; weights are drawn from `seed`. Throws on an inconsistent spec.
  /// `reusesMemory: false` gives every output and output gradient its own tensor (the same
  /// results, more memory).
  public init(spec: ModelSpec, batchSize: Int, threads: Int = 1, seed: UInt64 = 1, reusesMemory: Bool = true) throws {
    guard batchSize > 0 else { throw NetworkError.invalidBatch(batchSize) }
    guard let last = spec.layers.last, last.kind == .softmaxCrossEntropy,
      spec.layers.dropLast().allSatisfy({ $0.kind != .softmaxCrossEntropy })
    else { throw NetworkError.missingLoss(spec.name) }
    self.spec = spec
    self.batchSize = batchSize
    let networkInput = Tensor(batch: batchSize, shape: spec.input)
    input = networkInput
    var generator = SeededGenerator(seed: seed)
    var indexByName: [String: Int] = [:]
    var layers: [any Layer] = []
    var sources: [[Int]] = []
    let workspace = Workspace()
    for (index, layerSpec) in spec.layers.enumerated() {
      guard indexByName[layerSpec.name] == nil else { throw NetworkError.duplicateName(layerSpec.name) }
      let inputIndices = try layerSpec.inputs.map { name in
        guard let source = indexByName[name] else {
          throw NetworkError.unknownInput(layer: layerSpec.name, input: name)
        }
        return source
      }
      let readsNetworkInput = inputIndices.isEmpty
      let shapes = readsNetworkInput ? [spec.input] : inputIndices.map { layers[$0].outputShape }
      let layer = try LayerFactory.make(layerSpec, inputs: shapes, batch: batchSize, generator: &generator)
      if let convolution = layer as? Convolution { workspace.reserve(convolution.workspaceCount) }
      layers.append(layer)
      sources.append(readsNetworkInput ? [-1] : inputIndices)
      indexByName[layerSpec.name] = index
    }
    let plan = TensorPlan(
      sources: sources, sizes: layers.map { batchSize * $0.outputShape.count },
      inPlaceCapable: layers.map { $0 is ReLU },
      readsOwnOutput: layers.map(\.backwardReadsOutput), reuse: reusesMemory)
    var outputs: [Tensor] = []
    for (index, layer) in layers.enumerated() {
      let owner = plan.outputOwner[index]
      outputs.append(
        owner == index
          ? Tensor(batch: batchSize, shape: layer.outputShape)
          : Tensor(batch: batchSize, shape: layer.outputShape, sharing: outputs[owner]))
    }
    let buffers = plan.bufferSizes.map { Tensor(batch: 1, shape: Shape($0, 1, 1)) }
    let gradients = layers.indices.map { index in
      if index == layers.count - 1 { return outputs[index] }
      let shape = layers[index].outputShape
      guard let buffer = plan.gradientBuffer[index] else { return Tensor(batch: batchSize, shape: shape) }
      return Tensor(batch: batchSize, shape: shape, sharing: buffers[buffer])
    }
    self.layers = layers
    self.outputs = outputs
    self.indexByName = indexByName
    outputGradients = gradients
    layerInputs = sources.map { $0.map { $0 < 0 ? networkInput : outputs[$0] } }
    layerInputGradients = sources.map { $0.map { $0 < 0 ? nil : gradients[$0] } }
    // The first reader met going backward overwrites; every later one adds.
    var written = Set<Int>()
    var accumulate = sources.map { $0.map { _ in false } }
    for index in sources.indices.reversed() {
      for (slot, source) in sources[index].enumerated() where source >= 0 {
        accumulate[index][slot] = !written.insert(source).inserted
      }
    }
    self.accumulate = accumulate
    loss = layers[layers.count - 1] as! SoftmaxCrossEntropy
    gradientOrder = layers.indices.reversed().flatMap { index in
      layers[index].trainableParameters.map { TrainableParameter(layerIndex: index, parameter: $0) }
    }
    hasTrainableParameters = layers.map { !$0.trainableParameters.isEmpty }
    forwardSeconds = Array(repeating: 0, count: layers.count)
    backwardSeconds = Array(repeating: 0, count: layers.count)
    context = ComputeContext(threads: threads, workspace: workspace)
    self.threads = threads
    BLAS.setThreads(max(1, threads))
  }

  /// Threads for OpenBLAS and for the layers' own loops.
  public var threads: Int {
    didSet {
      context.threads = max(1, threads)
      BLAS.setThreads(max(1, threads))
    }
  }

  /// Every parameter (trainable ones and state such as running statistics) in spec order: the
  /// order in which weights are saved.
  public var savedParameters: [Parameter] { layers.flatMap(\.parameters) }

  /// The trainable parameter count.
  public var trainableCount: Int { gradientOrder.reduce(0) { $0 + $1.parameter.value.count } }

  /// The index of the layer called `name`.
  public func layerIndex(named name: String) -> Int? { indexByName[name] }

  /// Sets the labels of the next forward pass (one per sample, each in 0..<classes).
  public func setLabels(_ labels: [Int32]) {
    precondition(labels.count == batchSize, "expected \(batchSize) labels, got \(labels.count)")
    loss.labels.withUnsafeMutableBufferPointer { target in
      for index in labels.indices { target[index] = labels[index] }
    }
  }

  /// Runs every layer forward and returns the mean loss over the batch. `beforeLayer` is called
  /// with a layer's index before that layer runs (only for layers with trainable parameters;
  /// its time is not the layer's), where a data-parallel trainer makes sure the layer's weights
  /// have their last update.
  @discardableResult
  public func forward(training: Bool = true, beforeLayer: ((Int) -> Void)? = nil) -> Float {
    context.training = training
    for index in layers.indices {
      if let beforeLayer, hasTrainableParameters[index] { beforeLayer(index) }
      let start = MonotonicClock.now()
      layers[index].forward(layerInputs[index], into: outputs[index], context: context)
      forwardSeconds[index] = MonotonicClock.now() - start
    }
    let losses = outputs[outputs.count - 1]
    var sum: Float = 0
    for index in 0..<losses.count { sum += losses[index] }
    return sum / Float(losses.count)
  }

  /// Runs every layer backward, last first, after a training `forward`. `onGradientReady` is
  /// called with a layer's index as soon as that layer's parameter gradients are final (only for
  /// layers with trainable parameters), in the order of `gradientOrder`.
  public func backward(onGradientReady: ((Int) -> Void)? = nil) {
    for index in layers.indices.reversed() {
      let start = MonotonicClock.now()
      layers[index].backward(
        layerInputs[index], output: outputs[index], outputGradient: outputGradients[index],
        inputGradients: layerInputGradients[index], accumulate: accumulate[index], context: context)
      backwardSeconds[index] = MonotonicClock.now() - start
      if let onGradientReady, hasTrainableParameters[index] { onGradientReady(index) }
    }
    context.step += 1
  }

  /// What a training pass changes besides the weights: the step count (which seeds dropout's
  /// masks) and the values of the parameters without gradients (batch norm's running statistics).
  public struct PassState {
    fileprivate var step: Int
    /// Each parameter tensor without a gradient, with its values.
    fileprivate var statistics: [(tensor: Tensor, values: [Float])]
  }

  /// The state a training pass would change, to put back with `restore(_:)`.
  public func passState() -> PassState {
    PassState(
      step: context.step, statistics: savedParameters.filter { $0.gradient == nil }.map { ($0.value, $0.value.values) })
  }

  /// Puts back the state of `passState()`: a pass run in between leaves no trace but its gradients.
  public func restore(_ state: PassState) {
    context.step = state.step
    for (tensor, values) in state.statistics {
      values.withUnsafeBufferPointer { tensor.pointer.update(from: $0.baseAddress!, count: tensor.count) }
    }
  }

  /// The output tensor of the layer called `name`.
  public func output(of name: String) -> Tensor? { indexByName[name].map { outputs[$0] } }
}

/// A trainable parameter and the index of the layer that owns it.
public struct TrainableParameter {
  public var layerIndex: Int
  public var parameter: Parameter
}
