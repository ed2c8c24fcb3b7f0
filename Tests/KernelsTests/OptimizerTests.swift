import Testing

@testable import Kernels

/// SGD with momentum and weight decay, checked step by step against its recurrence.
struct OptimizerTests {
  @Test func momentumAndWeightDecayFollowTheRecurrence() {
    let value = Tensor(batch: 1, shape: Shape(2, 1, 1), values: [1, -2])
    let gradient = Tensor(batch: 1, shape: Shape(2, 1, 1), values: [0.5, 0.25])
    let optimizer = StochasticGradientDescent(
      parameters: [Parameter(name: "w", dimensions: [2], value: value, gradient: gradient)],
      learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    var w: [Double] = [1, -2]
    var v: [Double] = [0, 0]
    for _ in 0..<3 {
      optimizer.update()
      for i in 0..<2 {
        v[i] = 0.9 * v[i] + Double(gradient[i]) + 0.01 * w[i]
        w[i] -= 0.1 * v[i]
      }
    }
    // Three float32 steps of a few operations each on values of order one.
    for i in 0..<2 {
      #expect(abs(Double(value[i]) - w[i]) <= 64 * Double(Float.ulpOfOne), "w[\(i)]: \(value[i]) vs \(w[i])")
    }
  }

  /// Updating the parameters in groups, at different times, gives bitwise the weights of one
  /// update of all (what `--overlap forward` does bucket by bucket).
  @Test func updatingInGroupsGivesTheWeightsOfOneUpdate() {
    func parameters() -> [Parameter] {
      (0..<3).map { index in
        let values = (0..<5).map { Float(index * 5 + $0) * 0.37 - 2 }
        return Parameter(
          name: "p\(index)", dimensions: [5], value: Tensor(batch: 1, shape: Shape(5, 1, 1), values: values),
          gradient: Tensor(batch: 1, shape: Shape(5, 1, 1), values: values.map { 0.1 * $0 + 0.03 }))
      }
    }
    let (whole, grouped) = (parameters(), parameters())
    let all = StochasticGradientDescent(parameters: whole, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    let groups = StochasticGradientDescent(parameters: grouped, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    for _ in 0..<3 {
      all.update()
      groups.update(parameters: [2])
      groups.update(parameters: [0, 1])
    }
    for (a, b) in zip(whole, grouped) {
      #expect((0..<5).map { a.value[$0].bitPattern } == (0..<5).map { b.value[$0].bitPattern }, "\(a.name)")
    }
    #expect(whole[0].value[0] != -2, "the updates changed the weights")
  }
}
