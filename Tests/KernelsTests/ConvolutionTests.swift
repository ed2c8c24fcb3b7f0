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
    var testDescription: String {
      "\(input) → \(outputs) k\(kernel.h)×\(kernel.w) s\(stride.h)×\(stride.w) p\(padding.h)×\(padding.w) g\(groups)"
    }
  }

  /// Small images are batched into one GEMM (staged path); 20×20 images have at least
  /// `Convolution.widthTarget` output positions, so they take the one-image-per-GEMM path.
  static let configurations = [
    Configuration(
      input: Shape(2, 20, 20), outputs: 3, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1,
      bias: true),
    Configuration(
      input: Shape(2, 20, 20), outputs: 3, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1,
      bias: true),
    Configuration(
      input: Shape(3, 5, 5), outputs: 4, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: true
    ),
    Configuration(
      input: Shape(4, 6, 7), outputs: 4, kernel: Extent(3, 2), stride: Extent(2, 3), padding: Extent(1, 2), groups: 2,
      bias: true),
    Configuration(
      input: Shape(4, 4, 4), outputs: 6, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1,
      bias: false),
    Configuration(
      input: Shape(2, 7, 7), outputs: 3, kernel: Extent(5), stride: Extent(3), padding: Extent(0), groups: 1, bias: true
    ),
    // Strides 2 and 4 over rows long enough for the vector gathers.
    Configuration(
      input: Shape(2, 5, 41), outputs: 2, kernel: Extent(3), stride: Extent(2), padding: Extent(1), groups: 1,
      bias: false),
    Configuration(
      input: Shape(1, 4, 75), outputs: 2, kernel: Extent(3, 5), stride: Extent(1, 4), padding: Extent(0, 2), groups: 1,
      bias: true),
  ]

  @Test(arguments: configurations)
  func gradientsMatchFiniteDifferences(_ c: Configuration) throws {
    let kind = LayerKind.convolution(
      outputs: c.outputs, kernel: c.kernel, stride: c.stride, padding: c.padding, groups: c.groups, bias: c.bias)
    GradientChecker().check(try GradientChecker.make(kind, inputs: [c.input]))
  }

  /// A 30×30 output in two bands of 15 rows: 10 000 floats hold 18 rows of 18 × 30 columns, and
  /// 18 rows also make the narrowest band allowed (512 positions).
  @Test(arguments: [1, 2])
  func bandedGradientsMatchFiniteDifferences(groups: Int) throws {
    var generator = SeededGenerator(seed: 5)
    let layer = try Convolution(
      name: "banded", input: Shape(2, 30, 30), outputs: 2, kernel: Extent(3), stride: Extent(1), padding: Extent(1),
      groups: groups, bias: true, batch: 2, bandLimit: 10_000, generator: &generator)
    #expect(layer.isBanded && layer.outputRowsPerBand == 15)
    GradientChecker().check(GradientChecker.make(layer, inputs: [Shape(2, 30, 30)], batch: 2, generator: &generator))
  }

  /// Two threads split a batch of three images (two and one): plain, banded, pointwise and
  /// strided convolutions, with and without bias, against finite differences.
  @Test(arguments: [
    (Shape(2, 20, 20), 3, 1, 1, true, Convolution.bandLimit),
    (Shape(2, 30, 30), 3, 1, 1, true, 10_000),
    (Shape(3, 20, 20), 1, 1, 0, false, Convolution.bandLimit),
    (Shape(1, 40, 41), 3, 2, 1, true, Convolution.bandLimit),
  ])
  func imagesSplitBetweenThreadsMatchFiniteDifferences(
    input: Shape, kernel: Int, stride: Int, padding: Int, bias: Bool, bandLimit: Int
  ) throws {
    var generator = SeededGenerator(seed: 11)
    let layer = try Convolution(
      name: "split", input: input, outputs: 3, kernel: Extent(kernel), stride: Extent(stride),
      padding: Extent(padding), groups: 1, bias: bias, batch: 3, bandLimit: bandLimit, generator: &generator)
    let testCase = GradientChecker.make(layer, inputs: [input], batch: 3, threads: 2, generator: &generator)
    #expect(layer.splitsImages(batch: 3, context: testCase.context))
    GradientChecker().check(testCase)
    BLAS.setThreads(1)
  }

  /// Splitting the images between threads changes only the order in which the weight and bias
  /// gradients of the images are added up.
  @Test func imagesSplitBetweenThreadsGiveTheOneThreadResult() throws {
    var results: [[Float]] = []
    for threads in [1, 2] {
      var generator = SeededGenerator(seed: 12)
      let layer = try Convolution(
        name: "split", input: Shape(4, 30, 30), outputs: 5, kernel: Extent(3), stride: Extent(1),
        padding: Extent(1), groups: 1, bias: true, batch: 5, bandLimit: 20_000, generator: &generator)
      let testCase = GradientChecker.make(
        layer, inputs: [Shape(4, 30, 30)], batch: 5, threads: threads, generator: &generator)
      #expect(layer.isBanded && layer.splitsImages(batch: 5, context: testCase.context) == (threads == 2))
      let gradient = Tensor(batch: 5, shape: layer.outputShape)
      gradient.fillUniform(in: -1...1, using: &generator)
      let inputGradient = Tensor(batch: 5, shape: Shape(4, 30, 30))
      layer.forward(testCase.inputs, into: testCase.output, context: testCase.context)
      layer.backward(
        testCase.inputs, output: testCase.output, outputGradient: gradient, inputGradients: [inputGradient],
        accumulate: [false], context: testCase.context)
      results.append(
        testCase.output.values + inputGradient.values + layer.weightGradient.values + layer.biasGradient!.values)
    }
    BLAS.setThreads(1)
    let scale = results[0].map { abs($0) }.max() ?? 1
    let largest = zip(results[0], results[1]).map { abs($0 - $1) }.max() ?? 0
    #expect(largest <= 64 * Float.ulpOfOne * scale, "largest difference \(largest) at scale \(scale)")
  }

  @Test func bandsAreUsedOnlyWhenAWideBandFitsInCache() {
    // ResNet conv1 (147 rows, 112×112 output): 31 rows fit, four even bands of 28.
    #expect(Convolution.outputRowsPerBand(rows: 147, outputHeight: 112, outputWidth: 112, limit: 1 << 19) == 28)
    // VGG conv4 (4608 rows, 28×28): a 512-position band would not fit; no bands.
    #expect(Convolution.outputRowsPerBand(rows: 4608, outputHeight: 28, outputWidth: 28, limit: 1 << 19) == 28)
    // Small columns fit whole; no bands.
    #expect(Convolution.outputRowsPerBand(rows: 256, outputHeight: 28, outputWidth: 28, limit: 1 << 19) == 28)
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
      name: "conv", input: Shape(4, 6, 7), outputs: 4, kernel: Extent(3, 2), stride: Extent(2, 3),
      padding: Extent(1, 2),
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
