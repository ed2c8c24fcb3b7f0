import Kernels
import Testing

@testable import Fitting

/// The Performance Guide's observations follow from the figures they are given: stated when
/// the ordering agrees with the talk's, the opposite when it is reversed, omitted with a reason
/// otherwise.
struct GuideObservationTests {
  typealias Figures = GuideObservation.ModelFigures

  static func scaling(_ points: [(String, Double, Double)], nodes: Int = 16) -> GuideObservation {
    GuideObservation.scaling(
      system: "s",
      points.map { Figures(model: $0.0, computePerGradientByte: $0.1, nodes: nodes, efficiency: $0.2) })
  }

  @Test func efficiencyRisingWithComputePerByteHolds() {
    let observation = Self.scaling([("acoustic", 48, 0.41), ("vgg16", 2700, 0.78), ("resnet101", 4200, 0.93)])
    #expect(observation.verdict == .holds)
    #expect(observation.statement.contains("more compute-intensive models scale more easily"))
    // The figures are listed from the least compute-intensive model up, each with its numbers.
    #expect(observation.figures.map(\.model) == ["acoustic", "vgg16", "resnet101"])
    #expect(observation.figures[2].text == "resnet101: efficiency 93% at 16 nodes, 4,200 FLOP per gradient byte")
    #expect(observation.figures[0].values.first { $0.name == "efficiency" }?.value == 0.41)
  }

  @Test func efficiencyFallingWithComputePerByteIsTheOpposite() {
    let observation = Self.scaling([("acoustic", 48, 0.95), ("vgg16", 2700, 0.78), ("resnet101", 4200, 0.60)])
    #expect(observation.verdict == .opposite)
    #expect(observation.statement.contains("opposite of the talk's"))
    #expect(observation.figures.count == 3)
  }

  @Test func aMixedOrderingIsOmittedWithItsReason() {
    let observation = Self.scaling([("acoustic", 48, 0.50), ("vgg16", 2700, 0.90), ("resnet101", 4200, 0.70)])
    #expect(observation.verdict == .omitted)
    #expect(observation.statement.contains("neither rises nor falls"))
  }

  @Test func efficienciesWithinOnePointAreTies() {
    let observation = Self.scaling([("a", 10, 0.900), ("b", 20, 0.905), ("c", 30, 0.896)])
    #expect(observation.verdict == .omitted)
    #expect(observation.statement.contains("scales alike"))
  }

  @Test func oneModelOrOneNodeHasNothingToCompare() {
    #expect(Self.scaling([("resnet101", 4200, 0.93)]).verdict == .omitted)
    let oneNode = Self.scaling([("a", 10, 1), ("b", 20, 1)], nodes: 1)
    #expect(oneNode.verdict == .omitted && oneNode.statement.contains("one node"))
  }

  static func interconnect(_ points: [(String, Double, Double, Double)]) -> GuideObservation {
    GuideObservation.interconnect(
      system: "s", link: "ib-edr", faster: "ib-edr ×10",
      points.map { Figures(model: $0.0, computePerGradientByte: $0.1, nodes: 8, hours: $0.2, fasterHours: $0.3) })
  }

  @Test func aFasterNetworkHelpingTheLeastComputeIntensiveMostHolds() {
    let observation = Self.interconnect([("acoustic", 48, 10, 2), ("vgg16", 2700, 10, 8), ("resnet101", 4200, 10, 9.9)])
    #expect(observation.verdict == .holds)
    #expect(observation.statement.contains("matters more for less compute-intensive models"))
    #expect(
      observation.figures[0].text
        == "acoustic: 10 h, 2 h with the faster network at 8 nodes: 5.00× faster; 48 FLOP per gradient byte")
    #expect(observation.figures[0].values.first { $0.name == "speedup" }?.value == 5)
  }

  @Test func aFasterNetworkHelpingTheMostComputeIntensiveMostIsTheOpposite() {
    let observation = Self.interconnect([("acoustic", 48, 10, 9.9), ("vgg16", 2700, 10, 8), ("resnet101", 4200, 10, 2)])
    #expect(observation.verdict == .opposite)
    #expect(observation.statement.contains("opposite of the talk's"))
  }

  @Test func aMixedSpeedupIsOmitted() {
    let observation = Self.interconnect([("acoustic", 48, 10, 5), ("vgg16", 2700, 10, 2), ("resnet101", 4200, 10, 9)])
    #expect(observation.verdict == .omitted)
  }

  @Test func memoryHoldsOnlyWhenEveryModelsLargestBatchIsSmall() {
    let gib = 1 << 30
    let small = GuideObservation.memory(
      system: "s", device: "P100", deviceBytes: 16 * gib,
      [
        .init(model: "vgg16", largestBatch: 150, modelBytes: 2 * gib),
        .init(model: "resnet101", largestBatch: 90, modelBytes: gib),
      ])
    #expect(small.verdict == .holds)
    #expect(small.figures[0].text.contains("largest batch 150 per P100"))
    #expect(small.figures[0].text.contains("2,048 MiB, 12.5% of 16,384 MiB"))
    let mixed = GuideObservation.memory(
      system: "s", device: "P100", deviceBytes: 16 * gib,
      [
        .init(model: "vgg16", largestBatch: 150, modelBytes: 2 * gib),
        .init(model: "acoustic", largestBatch: 40000, modelBytes: gib),
      ])
    #expect(mixed.verdict == .partly)
    #expect(mixed.statement.contains("of vgg16") && mixed.statement.contains("larger ones of acoustic"))
    let large = GuideObservation.memory(
      system: "s", device: "A100", deviceBytes: 80 * gib, [.init(model: "acoustic", largestBatch: nil, modelBytes: gib)]
    )
    #expect(large.verdict == .opposite)
    let unknown = GuideObservation.memory(system: "s", device: "gpu", deviceBytes: nil, [])
    #expect(unknown.verdict == .omitted && unknown.statement.contains("not known"))
  }

  @Test func largestBatchIsTheLastThatFits() throws {
    // 100 bytes of model and 7 per sample in 1000 bytes: (1000 - 100) / 7 = 128.6.
    #expect(GuideMeasure.largestBatch(fitting: 1000) { 100 + 7 * $0 } == 128)
    #expect(GuideMeasure.largestBatch(fitting: 50) { 100 + 7 * $0 } == 0)
    #expect(GuideMeasure.largestBatch(fitting: 1 << 40, limit: 1024) { 100 + 7 * $0 } == nil)
    // With the agent's memory estimate: the batch found fits and the next does not.
    let spec = try Zoo.spec(named: "vgg16")
    let device = 16 << 30
    let batch = try #require(
      try GuideMeasure.largestBatch(fitting: device) { try MemoryEstimate(spec: spec, batch: $0).totalBytes })
    #expect(try MemoryEstimate(spec: spec, batch: batch).totalBytes <= device)
    #expect(try MemoryEstimate(spec: spec, batch: batch + 1).totalBytes > device)
  }

  @Test func computePerGradientByteIsTrainingFlopsTimesBatchOverGradient() throws {
    // A fully connected model does one MAC per weight: 6 FLOPs per weight per sample, 4 bytes
    // of gradient per weight, so 1.5 FLOPs per byte per sample.
    let summary = try Zoo.spec(named: "acoustic").summary()
    let measure = GuideMeasure.computePerGradientByte(
      forwardMACs: summary.forwardMACs, batchPerDevice: 32, gradientBytes: summary.gradientBytes)
    #expect(abs(measure - 1.5 * 32) / 48 < 0.01, "acoustic: \(measure) FLOP per gradient byte, expected about 48")
  }
}
