import Testing

@testable import Kernels

/// The per-rank memory estimate: its parts add up, its parameter parts match what a built
/// network holds, its layer table agrees with the layers, and activations grow with the batch.
struct MemoryEstimateTests {
  @Test(arguments: ["convolutional", "branching", "statefulConvolutional"])
  func partsAddUpAndMatchTheNetwork(_ name: String) throws {
    let spec =
      switch name {
      case "convolutional": SmallModels.convolutional
      case "branching": SmallModels.branching
      default: SmallModels.statefulConvolutional
      }
    let estimate = try MemoryEstimate(spec: spec, batch: 3)
    #expect(
      estimate.totalBytes
        == estimate.weightsBytes + estimate.gradientsBytes + estimate.optimizerBytes + estimate.bucketsBytes
        + estimate.activationsBytes)
    let network = try Network(spec: spec, batchSize: 3)
    #expect(estimate.weightsBytes == network.savedParameters.map(\.value.count).reduce(0, +) * 4)
    #expect(estimate.gradientsBytes == network.trainableCount * 4)
    #expect(estimate.optimizerBytes == network.trainableCount * 4)
    #expect(estimate.bucketsBytes == network.trainableCount * 4)
    for (layer, layerSpec) in zip(network.layers, spec.layers) {
      #expect(MemoryEstimate.backwardReadsOutput(layerSpec.kind) == layer.backwardReadsOutput, "\(layerSpec.name)")
    }
    // At least the input, the loss output and one gradient buffer.
    #expect(estimate.activationsBytes > 3 * spec.input.count * 4)
  }

  @Test func activationsGrowLinearlyWithTheBatchAndParametersDoNot() throws {
    let spec = try Zoo.spec(named: "vgg16")
    let one = try MemoryEstimate(spec: spec, batch: 1)
    let two = try MemoryEstimate(spec: spec, batch: 2)
    let four = try MemoryEstimate(spec: spec, batch: 4)
    #expect(one.weightsBytes == four.weightsBytes)
    #expect(one.optimizerBytes == four.optimizerBytes)
    // Everything but the column matrix (one image's) scales with the batch.
    #expect(four.activationsBytes - one.activationsBytes == 3 * (two.activationsBytes - one.activationsBytes))
    #expect(two.activationsBytes < 2 * one.activationsBytes)
    // VGG-16: 138.4 M parameters, 553 MB of weights.
    #expect(abs(Double(one.weightsBytes) / 4 - 138.36e6) < 0.01e6)
  }

  @Test func aBatchBelowOneIsRejected() {
    #expect(throws: NetworkError.self) { try MemoryEstimate(spec: SmallModels.convolutional, batch: 0) }
  }
}
