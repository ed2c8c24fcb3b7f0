import Foundation
import Testing

@testable import Kernels

/// Concat, elementwise sum and softmax cross-entropy.
struct JoinAndLossTests {
  @Test func concatGradientMatchesFiniteDifferences() throws {
    let testCase = try GradientChecker.make(.concat, inputs: [Shape(2, 3, 3), Shape(3, 3, 3), Shape(1, 3, 3)])
    #expect(testCase.layer.outputShape == Shape(6, 3, 3))
    GradientChecker().check(testCase)
  }

  @Test func sumGradientMatchesFiniteDifferences() throws {
    GradientChecker().check(try GradientChecker.make(.sum, inputs: [Shape(2, 3, 3), Shape(2, 3, 3), Shape(2, 3, 3)]))
  }

  @Test func joinsRejectMismatchedShapes() {
    #expect(throws: NetworkError.self) { try GradientChecker.make(.sum, inputs: [Shape(2, 3, 3), Shape(3, 3, 3)]) }
    #expect(throws: NetworkError.self) { try GradientChecker.make(.concat, inputs: [Shape(2, 3, 3), Shape(2, 4, 3)]) }
  }

  @Test func softmaxCrossEntropyGradientMatchesFiniteDifferences() throws {
    let testCase = try GradientChecker.make(.softmaxCrossEntropy, inputs: [Shape(7, 1, 1)], batch: 3)
    (testCase.layer as! SoftmaxCrossEntropy).labels = [0, 6, 3]
    GradientChecker().check(testCase)
  }

  @Test func softmaxCrossEntropyOfUniformLogitsIsLogOfClasses() throws {
    let testCase = try GradientChecker.make(.softmaxCrossEntropy, inputs: [Shape(10, 1, 1)], batch: 2) { tensor, _ in
      tensor.fill(with: 0.5)
    }
    (testCase.layer as! SoftmaxCrossEntropy).labels = [2, 9]
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    for n in 0..<2 { #expect(abs(Double(testCase.output[n]) - log(10)) <= 1e-6) }
  }
}
