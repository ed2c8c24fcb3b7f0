import Testing

@testable import Kernels

/// Caffe's output-size rules and the rejection of graphs that do not fit together.
struct ShapeInferenceTests {
  private func spec(_ input: Shape, classes: Int = 10, _ layers: [LayerSpec]) -> ModelSpec {
    ModelSpec(name: "test", input: input, classes: classes, layers: layers)
  }

  private func layer(_ name: String, _ kind: LayerKind, _ inputs: [String] = []) -> LayerSpec {
    LayerSpec(name: name, inputs: inputs, kind: kind)
  }

  private func convolution(_ outputs: Int, _ kernel: Int, stride: Int = 1, padding: Int = 0)
    -> LayerKind
  {
    .convolution(
      outputs: outputs, kernel: Extent(kernel), stride: Extent(stride), padding: Extent(padding),
      groups: 1, bias: true)
  }

  /// (input, kernel, stride, padding, expected output).
  @Test(arguments: [
    (112, 3, 2, 0, 56),  // ceil(109 / 2) + 1: rounds up where convolution would round down
    (55, 3, 2, 0, 27),
    (14, 3, 1, 1, 14),
    (7, 7, 1, 0, 1),
    (6, 3, 2, 1, 4),  // ceil(5 / 2) + 1 = 4; the last window starts at 6 < 6 + 1, kept
    (5, 2, 2, 1, 3),  // ceil(5 / 2) + 1 = 4; the last window would start at 6 ≥ 5 + 1, dropped
  ])
  func poolingUsesCeilModeAndDropsAWindowStartingInThePadding(
    input: Int, kernel: Int, stride: Int, padding: Int, expected: Int
  ) throws {
    let pool = LayerKind.maxPool(kernel: kernel, stride: stride, padding: padding)
    let shape = try pool.outputShape(reading: [Shape(8, input, input)], layer: "pool", classes: 1)
    #expect(shape == Shape(8, expected, expected))
  }

  /// (input, kernel, stride, padding, expected output): ⌊(in + 2p − k) / s⌋ + 1.
  @Test(arguments: [(224, 7, 2, 3, 112), (227, 11, 4, 0, 55), (56, 1, 2, 0, 28), (5, 5, 1, 2, 5)])
  func convolutionRoundsDown(input: Int, kernel: Int, stride: Int, padding: Int, expected: Int)
    throws
  {
    let kind = convolution(16, kernel, stride: stride, padding: padding)
    let shape = try kind.outputShape(reading: [Shape(3, input, input)], layer: "conv", classes: 1)
    #expect(shape == Shape(16, expected, expected))
  }

  @Test func groupedConvolutionCountsWeightsPerGroup() {
    let kind = LayerKind.convolution(
      outputs: 256, kernel: Extent(5), stride: Extent(1), padding: Extent(2), groups: 2,
      bias: true)
    let counts = kind.counts(reading: Shape(96, 27, 27), writing: Shape(256, 27, 27))
    #expect(counts.stored == 256 * 48 * 25 + 256)
    #expect(counts.trainable == counts.stored)
    #expect(counts.forwardMACs == 256 * 48 * 25 * 27 * 27)
  }

  @Test func batchNormStoresStatisticsThatAreNotTrained() {
    let counts = LayerKind.batchNormScale.counts(reading: Shape(64, 7, 7), writing: Shape(64, 7, 7))
    #expect(counts.stored == 4 * 64 + 1)
    #expect(counts.trainable == 2 * 64)
    #expect(counts.forwardMACs == 0)
  }

  @Test func unknownInputIsRejected() {
    let bad = spec(Shape(3, 8, 8), [layer("conv", convolution(4, 3), ["data"])])
    #expect(throws: ModelSpecError.unknownInput(layer: "conv", input: "data")) {
      try bad.shapes()
    }
  }

  @Test func inputsMustComeBeforeTheLayer() {
    let bad = spec(
      Shape(3, 8, 8), [layer("relu", .relu, ["conv"]), layer("conv", convolution(4, 3))])
    #expect(throws: ModelSpecError.unknownInput(layer: "relu", input: "conv")) {
      try bad.shapes()
    }
  }

  @Test func concatOfDifferentSpatialSizesIsRejected() {
    let bad = spec(
      Shape(3, 8, 8),
      [
        layer("a", convolution(4, 3, padding: 1)), layer("b", convolution(4, 3)),
        layer("joined", .concat, ["a", "b"]),
      ])
    #expect(
      throws: ModelSpecError.mismatchedConcat(
        layer: "joined", shapes: [Shape(4, 8, 8), Shape(4, 6, 6)])
    ) { try bad.shapes() }
  }

  @Test func concatAddsChannels() throws {
    let good = spec(
      Shape(3, 8, 8),
      [
        layer("a", convolution(4, 3, padding: 1)), layer("b", convolution(6, 1)),
        layer("joined", .concat, ["a", "b"]),
      ])
    #expect(try good.shapes()["joined"] == Shape(10, 8, 8))
  }

  @Test func sumOfDifferentShapesIsRejected() {
    let bad = spec(
      Shape(3, 8, 8),
      [
        layer("a", convolution(4, 1)), layer("b", convolution(5, 1)),
        layer("total", .sum, ["a", "b"]),
      ])
    #expect(
      throws: ModelSpecError.mismatchedSum(
        layer: "total", shapes: [Shape(4, 8, 8), Shape(5, 8, 8)])
    ) { try bad.shapes() }
  }

  @Test func sumOfOneInputIsRejected() {
    let bad = spec(Shape(3, 8, 8), [layer("a", .relu), layer("total", .sum, ["a"])])
    #expect(
      throws: ModelSpecError.wrongInputCount(layer: "total", expected: "at least 2", found: 1)
    ) {
      try bad.shapes()
    }
  }

  @Test func duplicateNamesAreRejected() {
    let bad = spec(Shape(3, 8, 8), [layer("a", .relu), layer("a", .relu, ["a"])])
    #expect(throws: ModelSpecError.duplicateLayer("a")) { try bad.shapes() }
  }

  @Test func windowLargerThanInputIsRejected() {
    let bad = spec(Shape(3, 4, 4), [layer("conv", convolution(4, 5))])
    #expect(
      throws: ModelSpecError.windowDoesNotFit(
        layer: "conv", input: Shape(3, 4, 4), window: Extent(5), padding: Extent(0))
    ) {
      try bad.shapes()
    }
    let pool = spec(Shape(3, 2, 2), [layer("pool", .maxPool(kernel: 3, stride: 2, padding: 0))])
    #expect(throws: ModelSpecError.self) { try pool.shapes() }
  }

  @Test func groupsMustDivideChannels() {
    let bad = spec(
      Shape(3, 8, 8),
      [
        layer(
          "conv",
          .convolution(
            outputs: 4, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 2,
            bias: true))
      ])
    #expect(throws: ModelSpecError.indivisibleGroups(layer: "conv", channels: 3, groups: 2)) {
      try bad.shapes()
    }
  }

  @Test func zeroStrideIsRejected() {
    let bad = spec(Shape(3, 8, 8), [layer("conv", convolution(4, 3, stride: 0))])
    #expect(throws: ModelSpecError.nonPositiveSize(layer: "conv", what: "stride", value: 0)) {
      try bad.shapes()
    }
  }

  @Test func lossMustSeeOneScorePerClass() {
    let bad = spec(
      Shape(3, 8, 8), classes: 10,
      [
        layer("fc", .fullyConnected(outputs: 9, bias: true)),
        layer("loss", .softmaxCrossEntropy, ["fc"]),
      ])
    #expect(
      throws: ModelSpecError.classCountMismatch(
        layer: "loss", classes: 10, input: Shape(9, 1, 1))
    ) { try bad.shapes() }
  }

  @Test func singleInputLayerWithTwoInputsIsRejected() {
    let bad = spec(
      Shape(3, 8, 8), [layer("a", .relu), layer("b", .relu), layer("c", .relu, ["a", "b"])])
    #expect(throws: ModelSpecError.wrongInputCount(layer: "c", expected: "1", found: 2)) {
      try bad.shapes()
    }
  }

  @Test func emptyNetworkIsRejected() {
    #expect(throws: ModelSpecError.emptyNetwork(model: "test")) {
      try spec(Shape(3, 8, 8), []).shapes()
    }
  }

  @Test func errorsReadAsOneLine() {
    let error = ModelSpecError.mismatchedConcat(
      layer: "x", shapes: [Shape(1, 2, 3), Shape(1, 2, 4)])
    #expect(!error.description.contains("\n"))
    #expect(error.description.contains("1×2×3"))
  }
}
