import Foundation
import Testing

@testable import Kernels

/// Local response normalisation and batch normalisation: gradients and defining properties.
struct NormalisationTests {
  @Test(arguments: [3, 5])
  func localResponseNormGradientMatchesFiniteDifferences(size: Int) throws {
    // A large α makes the normalising term matter, so its gradient is really tested.
    GradientChecker().check(
      try GradientChecker.make(.localResponseNorm(size: size, alpha: 0.5, beta: 0.75, k: 2), inputs: [Shape(6, 3, 3)]))
  }

  @Test func localResponseNormMatchesCaffeFormula() throws {
    let testCase = try GradientChecker.make(
      .localResponseNorm(size: 3, alpha: 0.3, beta: 0.75, k: 1), inputs: [Shape(4, 1, 1)], batch: 1)
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    let x = testCase.inputs[0].values.map(Double.init)
    for c in 0..<4 {
      let window = max(c - 1, 0)...min(c + 1, 3)
      let scale = 1 + 0.3 / 3 * window.reduce(0) { $0 + x[$1] * x[$1] }
      let expected = x[c] * pow(scale, -0.75)
      #expect(abs(Double(testCase.output[c]) - expected) <= 16 * Double(Float.ulpOfOne) * (abs(expected) + 1))
    }
  }

  @Test func batchNormGradientMatchesFiniteDifferences() throws {
    GradientChecker().check(try GradientChecker.make(.batchNormScale, inputs: [Shape(3, 3, 3)], batch: 3))
  }

  @Test func batchNormNormalisesEachChannelAndUpdatesRunningStatistics() throws {
    let testCase = try GradientChecker.make(.batchNormScale, inputs: [Shape(2, 4, 4)], batch: 4) { tensor, generator in
      tensor.fillUniform(in: 3...7, using: &generator)
    }
    let layer = testCase.layer as! BatchNormScale
    layer.gamma.fill(with: 1)
    layer.beta.fill(with: 0)
    layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    let plane = 16
    let channels = 2
    for c in 0..<channels {
      var values: [Double] = []
      var inputs: [Double] = []
      for n in 0..<4 {
        for index in 0..<plane {
          values.append(Double(testCase.output[(n * channels + c) * plane + index]))
          inputs.append(Double(testCase.inputs[0][(n * channels + c) * plane + index]))
        }
      }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
      #expect(abs(mean) <= 1e-5)
      // The variance of x̂ is σ²/(σ² + ε) ≈ 1 − ε/σ²; ε = 1e-5 and σ² ≈ 4/3 on this input.
      #expect(abs(variance - 1) <= 1e-4)
      let inputMean = inputs.reduce(0, +) / Double(inputs.count)
      // Running mean moves a tenth of the way from 0 towards the batch mean.
      #expect(abs(Double(layer.runningMean[c]) - 0.1 * inputMean) <= 1e-5 * (1 + inputMean))
    }
    #expect(layer.parameters.map(\.trainable) == [true, true, false, false])
  }
}
