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
    for index in parameters.indices { update(parameterAt: index) }
  }

  /// Applies the update of the parameters at `indices` (in the order given at `init`) only: each
  /// parameter's update reads nothing but its own value, gradient and velocity, so updating them
  /// in groups, at different times, gives bitwise the weights `update()` gives.
  public func update(parameters indices: some Sequence<Int>) {
    for index in indices { update(parameterAt: index) }
  }

  private func update(parameterAt index: Int) {
    let rate = learningRate
    let mu = momentum
    let decay = weightDecay
    let w = parameters[index].value.pointer
    let g = parameters[index].gradient!.pointer
    let v = velocities[index].pointer
    for element in 0..<velocities[index].count {
      v[element] = mu * v[element] + g[element] + decay * w[element]
      w[element] -= rate * v[element]
    }
  }
}
