import Testing

@testable import Kernels

/// Training on a fixed batch: the loss must fall.
struct TrainingTests {
  @Test(arguments: [("conv", 1), ("mlp", 1), ("conv", 2)])
  func lossFallsOverFiftyStepsOnAFixedBatch(model: String, threads: Int) throws {
    let spec = model == "conv" ? SmallModels.convolutional : SmallModels.perceptron
    let network = try Network(spec: spec, batchSize: 8, threads: threads, seed: 2)
    let session = TrainingSession(network: network, learningRate: 0.05, momentum: 0.9)
    session.loadSyntheticBatch(seed: 4)
    let first = session.step().loss
    var last = first
    for _ in 1..<50 { last = session.step().loss }
    // Memorising eight samples: the loss must drop well below its start (about ln 5 ≈ 1.6).
    #expect(last < 0.25 * first, "loss went from \(first) to \(last)")
    #expect(network.forwardSeconds.allSatisfy { $0 >= 0 } && network.backwardSeconds.allSatisfy { $0 >= 0 })
  }
}
