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
}
