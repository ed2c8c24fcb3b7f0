import Testing

@testable import Kernels

/// The zoo's specs run: each builds into a network whose trainable parameters are the zoo's
/// count, and the small models train a step (loss finite, every gradient touched).
@Test(arguments: ["alexnet", "googlenet", "resnet50", "acoustic", "textcnn", "deepmnist", "sensornet"])
func zooModelBuildsWithItsTrainableCount(name: String) throws {
  let spec = try Zoo.spec(named: name)
  let network = try Network(spec: spec, batchSize: 1)
  #expect(network.trainableCount == (try spec.summary()).trainableParameters)
}

@Test(arguments: ["textcnn", "deepmnist", "sensornet"])
func smallZooModelTrainsAStep(name: String) throws {
  let session = TrainingSession(network: try Network(spec: try Zoo.spec(named: name), batchSize: 2))
  session.loadSyntheticBatch(seed: 7)
  let timings = session.step()
  #expect(timings.loss.isFinite && timings.loss > 0)
  for trainable in session.network.gradientOrder {
    let gradient = try #require(trainable.parameter.gradient)
    let touched = (0..<gradient.count).contains { gradient[$0] != 0 }
    #expect(touched, "\(trainable.parameter.name) got no gradient")
  }
}
