import Testing

@testable import Kernels

/// Max and average pooling: Caffe's ceil-mode sizes, the average divisor rule, and gradients.
struct PoolingTests {
  /// Distinct values 0.05 apart in random order, so that no finite-difference step of 0.01
  /// changes which element of a window is the maximum.
  static func distinct(_ tensor: Tensor, _ generator: inout SeededGenerator) {
    var values = (0..<tensor.count).map { Float($0) * 0.05 - Float(tensor.count) * 0.025 }
    values.shuffle(using: &generator)
    for index in 0..<tensor.count { tensor[index] = values[index] }
  }

  @Test func outputSizesFollowCaffeCeilMode() {
    // AlexNet pool1: 55 → 27; GoogLeNet pool1: ceil((112 − 3)/2) + 1 = 56.
    #expect(PoolingGeometry.outputExtent(55, kernel: 3, stride: 2, padding: 0) == 27)
    #expect(PoolingGeometry.outputExtent(112, kernel: 3, stride: 2, padding: 0) == 56)
    // Padded: ceil((7 + 2 − 3)/2) + 1 = 4, last window starts at 6 − 1 = 5, inside the image.
    #expect(PoolingGeometry.outputExtent(7, kernel: 3, stride: 2, padding: 1) == 4)
    // ceil((4 + 2 − 2)/3) + 1 = 3, but the third window would start at 6 ≥ 4 + 1: dropped.
    #expect(PoolingGeometry.outputExtent(4, kernel: 2, stride: 3, padding: 1) == 2)
  }

  @Test(arguments: [(3, 2, 0), (3, 2, 1), (2, 2, 1), (3, 1, 1)])
  func maxPoolingGradientMatchesFiniteDifferences(kernel: Int, stride: Int, padding: Int) throws {
    GradientChecker().check(
      try GradientChecker.make(
        .maxPool(kernel: kernel, stride: stride, padding: padding), inputs: [Shape(2, 6, 5)], fill: Self.distinct))
  }

  @Test(arguments: [(3, 2, 0), (3, 2, 1), (2, 2, 1), (3, 1, 1)])
  func averagePoolingGradientMatchesFiniteDifferences(kernel: Int, stride: Int, padding: Int) throws {
    GradientChecker().check(
      try GradientChecker.make(.averagePool(kernel: kernel, stride: stride, padding: padding), inputs: [Shape(2, 6, 5)])
    )
  }

  @Test func averageDividesByTheWindowClippedToThePaddedInput() throws {
    // 3×3 ones, kernel 2, stride 2, padding 1: 2×2 windows over rows/columns {−1,0} and {1,2};
    // every divisor is 4 (padding counts), sums are 1, 2, 2, 4 (exact in binary).
    let testCase = try GradientChecker.make(
      .averagePool(kernel: 2, stride: 2, padding: 1), inputs: [Shape(1, 3, 3)], batch: 1
    ) { tensor, _ in
      tensor.fill(with: 1)
    }
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    #expect(testCase.layer.outputShape == Shape(1, 2, 2))
    #expect(testCase.output.values == [0.25, 0.5, 0.5, 1])
  }

  @Test func maxPoolingPicksTheWindowMaximum() throws {
    let testCase = try GradientChecker.make(
      .maxPool(kernel: 2, stride: 2, padding: 0), inputs: [Shape(1, 2, 4)], batch: 1
    ) { tensor, _ in
      for (index, value) in [1, 5, 2, 0, 3, 4, 8, 7].enumerated() { tensor[index] = Float(value) }
    }
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    #expect(testCase.output.values == [5, 8])
  }
}
