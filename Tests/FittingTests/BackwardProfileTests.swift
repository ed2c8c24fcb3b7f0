import Kernels
import Testing

@testable import Fitting

/// Bucket readiness from the layers' backward work, and the exposed communication it implies.
struct BackwardProfileTests {
  /// Backward order: a light layer with weights, a heavy one without, another light one.
  let profile = BackwardProfile(layers: [(100, 1), (0, 8), (100, 1)])

  @Test func aBucketIsReadyWhenBackwardHasPassedTheLayerThatFillsIt() {
    #expect(profile.readyFractions(bucketSizes: [100, 100]) == [0.1, 1.0])
    // A bucket boundary inside a layer's gradient: ready only after that whole layer.
    #expect(profile.readyFractions(bucketSizes: [50, 50, 100]) == [0.1, 0.1, 1.0])
    #expect(profile.readyFractions(bucketSizes: [200]) == [1.0])
  }

  @Test func resnet50FillsItsFirstBucketsEarlyAndItsLastAtTheEnd() throws {
    let resnet = try BackwardProfile(spec: try Zoo.spec(named: "resnet50"))
    #expect(resnet.gradientBytes == 25_557_096 * 4)
    let sizes = try IterationModel.bucketPlan(spec: Zoo.spec(named: "resnet50"), bucketBytes: 25 << 20).bucketBytes()
    #expect(sizes.reduce(0, +) == resnet.gradientBytes)
    let fractions = resnet.readyFractions(bucketSizes: sizes)
    #expect(fractions.count == sizes.count)
    #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(fractions.last == 1)
    // The last stage's large, cheap gradients fill the first bucket within a tenth of backward.
    #expect(fractions[0] < 0.1, "\(fractions)")
  }

  @Test func earlyBucketsHideMoreCommunicationThanAnEvenSpread() {
    // Two buckets of 100 bytes, 1 ms each; backward takes 10 ms.
    var model = IterationModel(
      computeMs: 15, backwardMs: 10, updateMs: 0, buckets: [100, 100], ranks: 2,
      allreduceSeconds: { _ in 1e-3 })
    // Even spread: ready at 5 and 10 ms; the second allreduce ends at 11 ms.
    #expect(abs(model.exposedCommunicationMs - 1) < 1e-12)
    model.profile = BackwardProfile(layers: [(100, 1), (0, 8), (100, 1)])
    // Ready at 1 and 10 ms: still the last bucket's whole allreduce exposed.
    #expect(abs(model.exposedCommunicationMs - 1) < 1e-12)
    // Ten-millisecond allreduces: even spread 5 → 15 → 25 ms; profile 1 → 11 → 21 ms.
    model.allreduceSeconds = { _ in 10e-3 }
    #expect(abs(model.exposedCommunicationMs - 11) < 1e-12)
    model.profile = nil
    #expect(abs(model.exposedCommunicationMs - 15) < 1e-12)
  }
}

/// `predict` prices the buckets the agent reduces: the plan it makes from ResNet-50's spec has
/// the same bucket boundaries as the plan of the built network the agent trains.
@Test func predictPlansTheAgentsBucketsForResNet50() throws {
  let spec = try Zoo.spec(named: "resnet50")
  let bucketBytes = 25 << 20
  let agent = try Network(spec: spec, batchSize: 1).bucketPlan(bucketBytes: bucketBytes)
  let predict = try IterationModel.bucketPlan(spec: spec, bucketBytes: bucketBytes)
  #expect(predict.buckets.map(\.members) == agent.buckets.map(\.members))
  #expect(predict.bucketBytes() == agent.bucketBytes())
  // Whole tensors, not equal 25 MiB chunks of the gradient: no bucket is exactly 25 MiB.
  #expect(agent.buckets.count >= 3, "\(agent.bucketBytes())")
  #expect(!agent.bucketBytes().contains(bucketBytes), "\(agent.bucketBytes())")
}
