/// Stochastic gradient descent with momentum and optional L2 weight decay (PyTorch's form):
/// v ← μ·v + (g + λ·w), w ← w − η·v. Velocities are allocated once, one per parameter.
public final class StochasticGradientDescent {
  public var learningRate: Float
  public var momentum: Float
  public var weightDecay: Float
  private let parameters: [Parameter]
  private let velocities: [Tensor]

  public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0) {
    precondition(parameters.allSatisfy(\.trainable), "SGD updates trainable parameters only")
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
    velocities = parameters.map { Tensor(batch: $0.value.batch, shape: $0.value.shape) }
  }

  /// Applies one update from the parameters' current gradients.
  public func update() {
    let rate = learningRate
    let mu = momentum
    let decay = weightDecay
    for (parameter, velocity) in zip(parameters, velocities) {
      let w = parameter.value.pointer
      let g = parameter.gradient!.pointer
      let v = velocity.pointer
      for index in 0..<velocity.count {
        v[index] = mu * v[index] + g[index] + decay * w[index]
        w[index] -= rate * v[index]
      }
    }
  }
}
