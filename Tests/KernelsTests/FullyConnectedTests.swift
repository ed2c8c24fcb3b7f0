import Testing

@testable import Kernels

/// Fully connected layer: gradients against finite differences, and the flattening of NCHW input.
struct FullyConnectedTests {
  @Test(arguments: [true, false])
  func gradientsMatchFiniteDifferences(bias: Bool) throws {
    GradientChecker().check(
      try GradientChecker.make(.fullyConnected(outputs: 5, bias: bias), inputs: [Shape(3, 2, 2)], batch: 3))
  }

  @Test func outputIsWeightsTimesFlattenedInputPlusBias() throws {
    let testCase = try GradientChecker.make(.fullyConnected(outputs: 3, bias: true), inputs: [Shape(2, 2, 1)], batch: 2)
    let weight = testCase.layer.parameters[0].value
    let bias = testCase.layer.parameters[1].value
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    for n in 0..<2 {
      for o in 0..<3 {
        var expected = bias[o]
        for k in 0..<4 { expected += weight[o * 4 + k] * testCase.inputs[0][n * 4 + k] }
        #expect(abs(testCase.output[n * 3 + o] - expected) <= 8 * Float.ulpOfOne * (abs(expected) + 1))
      }
    }
  }
}
