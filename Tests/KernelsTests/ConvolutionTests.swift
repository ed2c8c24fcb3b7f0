import Testing

@testable import Kernels

/// Convolution: output shapes and gradients (input, weight, bias) against finite differences
/// across stride, asymmetric padding, groups and the pointwise path.
struct ConvolutionTests {
  struct Configuration: CustomTestStringConvertible, Sendable {
    var input: Shape
    var outputs: Int
    var kernel: Extent
    var stride: Extent
    var padding: Extent
    var groups: Int
    var bias: Bool
    var testDescription: String { "\(input) → \(outputs) k\(kernel.h)×\(kernel.w) s\(stride.h)×\(stride.w) p\(padding.h)×\(padding.w) g\(groups)" }
  }

  /// Small images are batched into one GEMM (staged path); 20×20 images have at least
  /// `Convolution.widthTarget` output positions, so they take the one-image-per-GEMM path.
  static let configurations = [
    Configuration(input: Shape(2, 20, 20), outputs: 3, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: true),
    Configuration(input: Shape(2, 20, 20), outputs: 3, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1, bias: true),
    Configuration(input: Shape(3, 5, 5), outputs: 4, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: true),
    Configuration(input: Shape(4, 6, 7), outputs: 4, kernel: Extent(3, 2), stride: Extent(2, 3), padding: Extent(1, 2), groups: 2, bias: true),
    Configuration(input: Shape(4, 4, 4), outputs: 6, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1, bias: false),
    Configuration(input: Shape(2, 7, 7), outputs: 3, kernel: Extent(5), stride: Extent(3), padding: Extent(0), groups: 1, bias: true),
  ]

  @Test(arguments: configurations)
  func gradientsMatchFiniteDifferences(_ c: Configuration) throws {
    let kind = LayerKind.convolution(outputs: c.outputs, kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups, bias: c.bias)
    GradientChecker().check(try GradientChecker.make(kind, inputs: [c.input]))
  }

  @Test func smallImagesShareAGEMMAndLargeOnesDoNot() throws {
    var generator = SeededGenerator(seed: 1)
    let small = try Convolution(
      name: "small", input: Shape(4, 5, 5), outputs: 2, kernel: Extent(3), stride: Extent(1), padding: Extent(1),
      groups: 1, bias: false, batch: 2, generator: &generator)
    let large = try Convolution(
      name: "large", input: Shape(2, 20, 20), outputs: 3, kernel: Extent(3), stride: Extent(1), padding: Extent(1),
      groups: 1, bias: true, batch: 2, generator: &generator)
    #expect(small.imagesPerGEMM == 2)
    #expect(large.imagesPerGEMM == 1)
  }

  @Test func outputShapesFollowTheConvolutionArithmetic() throws {
    var generator = SeededGenerator(seed: 1)
    let alexNetFirst = try Convolution(
      name: "conv1", input: Shape(3, 227, 227), outputs: 96, kernel: Extent(11), stride: Extent(4), padding: Extent(0),
      groups: 1, bias: true, generator: &generator)
    #expect(alexNetFirst.outputShape == Shape(96, 55, 55))
    let asymmetric = try Convolution(
      name: "conv", input: Shape(4, 6, 7), outputs: 4, kernel: Extent(3, 2), stride: Extent(2, 3), padding: Extent(1, 2),
      groups: 2, bias: true, generator: &generator)
    // Height (6 + 2 − 3)/2 + 1 = 3, width (7 + 4 − 2)/3 + 1 = 4.
    #expect(asymmetric.outputShape == Shape(4, 3, 4))
  }

  @Test func pointwiseConvolutionEqualsTheMatrixProduct() throws {
    let testCase = try GradientChecker.make(
      .convolution(outputs: 2, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1, bias: false),
      inputs: [Shape(3, 2, 2)], batch: 1)
    let weight = testCase.layer.parameters[0].value
    testCase.layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
    let x = testCase.inputs[0]
    for o in 0..<2 {
      for position in 0..<4 {
        var expected: Float = 0
        for c in 0..<3 { expected += weight[o * 3 + c] * x[c * 4 + position] }
        #expect(abs(testCase.output[o * 4 + position] - expected) <= 4 * Float.ulpOfOne * (abs(expected) + 1))
      }
    }
  }

  @Test func groupsThatDoNotDivideTheChannelsAreRejected() {
    #expect(throws: NetworkError.self) {
      try GradientChecker.make(
        .convolution(outputs: 4, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 3, bias: true),
        inputs: [Shape(4, 5, 5)])
    }
  }
}
