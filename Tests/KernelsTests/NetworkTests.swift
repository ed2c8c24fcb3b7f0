import Testing

@testable import Kernels

/// Networks built from specs: shapes, parameter orders, gradient hooks, gradients through a
/// branching graph, and spec errors.
struct NetworkTests {
  @Test func shapesMatchTheSpec() throws {
    let network = try Network(spec: SmallModels.convolutional, batchSize: 4)
    let shapes = network.layers.map(\.outputShape)
    // conv pad 1 keeps 12×12; pool k3 s2: ceil(9/2) + 1 = 6.
    #expect(
      shapes == [Shape(8, 12, 12), Shape(8, 12, 12), Shape(8, 12, 12), Shape(8, 6, 6), Shape(5, 1, 1), Shape(1, 1, 1)])
    #expect(network.outputs.map(\.batch).allSatisfy { $0 == 4 })
    #expect(network.input.dimensions == [4, 3, 12, 12])
  }

  @Test func parameterOrdersAndGradientHookFollowBackward() throws {
    let network = try Network(spec: SmallModels.convolutional, batchSize: 2)
    #expect(
      network.savedParameters.map(\.name) == [
        "conv.weight", "bn.gamma", "bn.beta", "bn.running_mean", "bn.running_var", "fc.weight", "fc.bias",
      ])
    #expect(network.savedParameters[0].dimensions == [8, 3, 3, 3])
    #expect(network.savedParameters[5].dimensions == [5, 8 * 6 * 6])
    #expect(
      network.gradientOrder.map(\.parameter.name) == ["fc.weight", "fc.bias", "bn.gamma", "bn.beta", "conv.weight"])
    #expect(network.trainableCount == 8 * 27 + 8 + 8 + 5 * 288 + 5)
    let session = TrainingSession(network: network)
    session.loadSyntheticBatch(seed: 3)
    var ready: [Int] = []
    session.step(onGradientReady: { ready.append($0) })
    #expect(ready == [4, 1, 0])
  }

  /// A step without the update leaves no trace on the training: two sessions from the same seed,
  /// one with such a step between its two training steps, end with the same weights and running
  /// statistics (the dropout step and batch norm's statistics are put back).
  @Test func aStepWithoutTheUpdateLeavesTheTrainingAsItWas() throws {
    func session() throws -> TrainingSession {
      let session = TrainingSession(
        network: try Network(spec: SmallModels.statefulConvolutional, batchSize: 3, seed: 7))
      session.loadSyntheticBatch(seed: 5)
      return session
    }
    let plain = try session()
    let measured = try session()
    plain.step()
    measured.step()
    let before = measured.network.savedParameters.map(\.value.values)
    let timings = measured.step(update: false)
    #expect(timings.forwardSeconds > 0 && timings.backwardSeconds > 0)
    let untouched = measured.network.savedParameters.map(\.value.values) == before
    #expect(untouched, "the step without update changed the weights or the running statistics")
    plain.step()
    measured.step()
    let same = measured.network.savedParameters.map(\.value.values) == plain.network.savedParameters.map(\.value.values)
    #expect(same, "the training after the step without update differs from the training without it")
    // The check can fail: a step that updates changes the weights and the running statistics.
    let updated = measured.network.savedParameters.map(\.value.values)
    measured.step()
    let after = measured.network.savedParameters.map(\.value.values)
    #expect(zip(updated, after).filter { $0 != $1 }.count == measured.network.savedParameters.count)
  }

  /// Gradients of the mean loss with respect to every weight of the branching network, against
  /// central differences (same tolerance reasoning as `GradientChecker`; the loss is a sum of
  /// about a hundred float32 terms per output).
  @Test func gradientsAccumulateThroughBranches() throws {
    let network = try Network(spec: SmallModels.branching, batchSize: 2, seed: 5)
    let session = TrainingSession(network: network)
    session.loadSyntheticBatch(seed: 11)
    network.forward()
    network.backward()
    let step: Float = 1e-2
    for trainable in network.gradientOrder {
      let value = trainable.parameter.value
      let analytic = trainable.parameter.gradient!.values
      var failures = 0
      for index in 0..<value.count {
        let original = value[index]
        value[index] = original + step
        let plus = Double(network.forward())
        value[index] = original - step
        let minus = Double(network.forward())
        value[index] = original
        let numeric = (plus - minus) / (2 * Double(step))
        let noise = 256 * Double(Float.ulpOfOne) * (abs(plus) + 1) / Double(step)
        if abs(numeric - Double(analytic[index])) > 1e-2 * max(abs(numeric), abs(Double(analytic[index]))) + noise {
          failures += 1
          if failures <= 3 {
            Issue.record("\(trainable.parameter.name)[\(index)]: analytic \(analytic[index]), numeric \(numeric)")
          }
        }
      }
      #expect(failures == 0, "\(trainable.parameter.name): \(failures) of \(value.count) outside the bound")
    }
  }

  /// The layers' own loops split work across threads; every split must give the one-thread
  /// result (up to float reassociation inside OpenBLAS, bounded by K·ε relative).
  @Test func twoThreadsComputeWhatOneThreadDoes() throws {
    var results: [[Float]] = []
    for threads in [1, 2] {
      let network = try Network(spec: SmallModels.convolutional, batchSize: 4, threads: threads, seed: 9)
      let session = TrainingSession(network: network)
      session.loadSyntheticBatch(seed: 2)
      network.forward()
      network.backward()
      results.append(network.gradientOrder.flatMap { $0.parameter.gradient!.values })
    }
    BLAS.setThreads(1)
    let scale = results[0].map { abs($0) }.max() ?? 1
    let largest = zip(results[0], results[1]).map { abs($0 - $1) }.max() ?? 0
    #expect(largest <= 512 * Float.ulpOfOne * scale, "largest difference \(largest) at gradient scale \(scale)")
  }

  @Test func inconsistentSpecsAreRejected() {
    var unknown = SmallModels.perceptron
    unknown.layers[1].inputs = ["nowhere"]
    #expect(throws: NetworkError.unknownInput(layer: "relu1", input: "nowhere")) {
      try Network(spec: unknown, batchSize: 1)
    }
    var lossless = SmallModels.perceptron
    lossless.layers.removeLast()
    #expect(throws: NetworkError.missingLoss("mlp")) { try Network(spec: lossless, batchSize: 1) }
    #expect(throws: NetworkError.invalidBatch(0)) { try Network(spec: SmallModels.perceptron, batchSize: 0) }
  }
}
