import Testing

@testable import Kernels

/// ReLU and dropout: gradients against finite differences and their defining properties.
struct ElementwiseLayerTests {
  /// Inputs kept at least 0.1 from zero, so no finite-difference step crosses ReLU's kink.
  static func awayFromZero(_ tensor: Tensor, _ generator: inout SeededGenerator) {
    for index in 0..<tensor.count {
      let magnitude = 0.1 + 0.9 * generator.nextUnit()
      tensor[index] = generator.nextUnit() < 0.5 ? -magnitude : magnitude
    }
  }

  @Test func reluGradientMatchesFiniteDifferences() throws {
    GradientChecker().check(try GradientChecker.make(.relu, inputs: [Shape(3, 4, 4)], fill: Self.awayFromZero))
  }

  @Test func dropoutGradientMatchesFiniteDifferences() throws {
    GradientChecker().check(try GradientChecker.make(.dropout(ratio: 0.4), inputs: [Shape(4, 5, 5)]))
  }

  @Test func dropoutKeepsAboutOneMinusPAndScalesByItsInverse() throws {
    let ratio = 0.3
    let testCase = try GradientChecker.make(.dropout(ratio: ratio), inputs: [Shape(16, 32, 32)], batch: 4) {
      tensor, _ in
      tensor.fill(with: 1)
    }
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    let values = testCase.output.values
    let kept = values.filter { $0 != 0 }
    let scale = Float(1 / (1 - ratio))
    #expect(kept.allSatisfy { abs($0 - scale) <= scale * Float.ulpOfOne })
    // Binomial count: n = 65536 draws, standard deviation √(n·p·(1−p)) ≈ 117; allow 6σ.
    let expected = Double(values.count) * (1 - ratio)
    let deviation = (Double(values.count) * ratio * (1 - ratio)).squareRoot()
    #expect(abs(Double(kept.count) - expected) <= 6 * deviation)
  }

  @Test func dropoutMaskChangesWithTheStepAndIsIdentityInInference() throws {
    var testCase = try GradientChecker.make(.dropout(ratio: 0.5), inputs: [Shape(1, 8, 8)], batch: 1) { tensor, _ in
      tensor.fill(with: 1)
    }
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    let first = testCase.output.values
    testCase.context.step = 1
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    #expect(testCase.output.values != first)
    testCase.context.training = false
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    #expect(testCase.output.values == testCase.inputs[0].values)
  }
}
