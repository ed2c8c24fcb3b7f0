/// One network and its optimizer, and the training step over synthetic data: forward, loss,
/// backward, update, each timed on the monotonic clock.
public final class TrainingSession {
  public let network: Network
  public let optimizer: StochasticGradientDescent
  private var labels: [Int32]

  public init(network: Network, learningRate: Float = 0.01, momentum: Float = 0.9, weightDecay: Float = 0) {
    self.network = network
    optimizer = StochasticGradientDescent(
      parameters: network.gradientOrder.map(\.parameter), learningRate: learningRate, momentum: momentum,
      weightDecay: weightDecay)
    labels = Array(repeating: 0, count: network.batchSize)
  }

  /// Fills the input with standard normal values and the labels with uniform classes, both
  /// drawn from `seed`. Allocates nothing.
  public func loadSyntheticBatch(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    network.input.fillNormal(deviation: 1, using: &generator)
    let classes = UInt64(network.spec.classes)
    for index in labels.indices { labels[index] = Int32(truncatingIfNeeded: generator.next() % classes) }
    network.setLabels(labels)
  }

  /// Fills the batch with samples `firstSample ..< firstSample + batch` of step `step` of a
  /// synthetic data set in which every sample (input and label) is drawn from its own seed.
  /// Rank r of a data-parallel run loading its slice of the global batch thus sees exactly the
  /// samples a single rank loading the whole global batch would.
  public func loadSyntheticSamples(step: Int, firstSample: Int, seed: UInt64 = 0) {
    let perSample = network.spec.input.count
    let classes = UInt64(network.spec.classes)
    for sample in 0..<network.batchSize {
      let global = UInt64(firstSample + sample)
      var generator = SeededGenerator(
        seed: seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ global &* 0xBF58_476D_1CE4_E5B9)
      let target = network.input.pointer + sample * perSample
      for index in 0..<perSample { target[index] = generator.nextNormal() }
      labels[sample] = Int32(truncatingIfNeeded: generator.next() % classes)
    }
    network.setLabels(labels)
  }

  /// Forward, backward and update on the loaded batch. `beforeLayer` is passed to forward and
  /// `onGradientReady` to backward (a data-parallel trainer applies the last step's reduced
  /// gradients from the one and starts reducing this step's from the other); `beforeUpdate` runs
  /// between backward and update (where it waits for those reductions). With `deferUpdate` the
  /// optimizer is not run: the caller updates each parameter itself before the next forward reads
  /// it (`optimizer.update(parameters:)`). Without `update` the step leaves the network as it was
  /// but for its gradients: no update, and the dropout step and batch norm's running statistics
  /// put back (the step's compute timed without changing the training).
  @discardableResult
  public func step(
    beforeLayer: ((Int) -> Void)? = nil, onGradientReady: ((Int) -> Void)? = nil, beforeUpdate: (() -> Void)? = nil,
    update: Bool = true, deferUpdate: Bool = false
  ) -> StepTimings {
    let state = update ? nil : network.passState()
    defer { if let state { network.restore(state) } }
    let start = MonotonicClock.now()
    let loss = network.forward(training: true, beforeLayer: beforeLayer)
    let forwardEnd = MonotonicClock.now()
    network.backward(onGradientReady: onGradientReady)
    let backwardEnd = MonotonicClock.now()
    beforeUpdate?()
    let updateStart = MonotonicClock.now()
    if update && !deferUpdate { optimizer.update() }
    let end = MonotonicClock.now()
    return StepTimings(
      loss: loss, forwardSeconds: forwardEnd - start, backwardSeconds: backwardEnd - forwardEnd,
      waitSeconds: updateStart - backwardEnd, updateSeconds: end - updateStart)
  }
}

/// The phases of one training step, in seconds. Per-layer times are in
/// `Network.forwardSeconds` / `backwardSeconds`.
public struct StepTimings: Sendable {
  public var loss: Float
  public var forwardSeconds: Double
  public var backwardSeconds: Double
  /// Time spent in `beforeUpdate`.
  public var waitSeconds: Double
  public var updateSeconds: Double

  public var totalSeconds: Double { forwardSeconds + backwardSeconds + waitSeconds + updateSeconds }
}
