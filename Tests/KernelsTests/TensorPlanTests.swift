import Testing

@testable import Kernels

/// The memory plan: gradient buffers shared only between gradients whose lifetimes do not meet,
/// ReLUs in place only where backward still sees what it needs, and a network built with the
/// plan computing exactly what one without it computes.
struct TensorPlanTests {
  /// Checks that every gradient sharing a buffer fits it and that no two of them are live at
  /// once: the gradient of j is live from its last reader's backward down to j's own.
  func expectDisjointLifetimes(_ plan: TensorPlan, sources: [[Int]], sizes: [Int]) {
    var lastReader = Array(repeating: -1, count: sources.count)
    for (index, inputs) in sources.enumerated() {
      for source in inputs where source >= 0 { lastReader[source] = max(lastReader[source], index) }
    }
    for a in sources.indices {
      guard let buffer = plan.gradientBuffer[a] else { continue }
      #expect(plan.bufferSizes[buffer] >= sizes[a])
      for b in sources.indices where b > a && plan.gradientBuffer[b] == buffer {
        let apart = lastReader[a] < b || lastReader[b] < a
        #expect(apart, "gradients of \(a) (to \(lastReader[a])) and \(b) (to \(lastReader[b])) share buffer \(buffer)")
      }
    }
  }

  @Test func aChainNeedsTwoGradientBuffers() {
    let sources = [[-1], [0], [1], [2], [3], [4]]
    let sizes = [40, 30, 30, 20, 10, 1]
    let plan = TensorPlan(
      sources: sources, sizes: sizes, inPlaceCapable: Array(repeating: false, count: 6),
      readsOwnOutput: Array(repeating: true, count: 6))
    #expect(plan.bufferSizes.count == 2)
    #expect(plan.gradientBuffer[5] == nil)
    #expect(plan.outputOwner == Array(0..<6))
    expectDisjointLifetimes(plan, sources: sources, sizes: sizes)
  }

  @Test func aResidualBlockKeepsItsShortcutGradientApart() {
    // 0 stem, 1 conv, 2 bn, 3 relu, 4 conv, 5 sum(4, 0), 6 relu, 7 fc, 8 loss.
    let sources = [[-1], [0], [1], [2], [3], [4, 0], [5], [6], [7]]
    let sizes = [64, 64, 64, 64, 64, 64, 64, 10, 1]
    let plan = TensorPlan(
      sources: sources, sizes: sizes, inPlaceCapable: [false, false, false, true, false, false, true, false, false],
      readsOwnOutput: [false, false, false, true, false, false, true, false, true])
    expectDisjointLifetimes(plan, sources: sources, sizes: sizes)
    #expect(plan.bufferSizes.count == 3)
    // Both ReLUs write over their input; the stem, read twice, is not a ReLU input here.
    #expect(plan.outputOwner == [0, 1, 2, 2, 4, 5, 5, 7, 8])
  }

  @Test func reluStaysOutOfPlaceWhenItsInputIsNeeded() {
    // 1 relu over 0 which another layer also reads; 3 relu over 2 whose backward reads its output.
    let sources = [[-1], [0], [0, 1], [2], [3]]
    let plan = TensorPlan(
      sources: sources, sizes: [8, 8, 8, 8, 1], inPlaceCapable: [false, true, false, true, false],
      readsOwnOutput: [false, true, true, true, true])
    #expect(plan.outputOwner == [0, 1, 2, 3, 4])
    let unplanned = TensorPlan(
      sources: sources, sizes: [8, 8, 8, 8, 1], inPlaceCapable: [false, true, false, true, false],
      readsOwnOutput: [false, true, true, true, true], reuse: false)
    #expect(unplanned.gradientBuffer.allSatisfy { $0 == nil })
  }

  /// In-place ReLUs and shared gradient buffers change where values live, not how they are
  /// computed: every loss and gradient must be bit for bit the unplanned network's.
  @Test func planningChangesNoResult() throws {
    var builder = SpecBuilder()
    builder.convolution("stem", outputs: 4, kernel: 3, stride: 1, padding: 1, bias: false)
    builder.add("stem_bn", .batchNormScale)
    builder.relu("stem_relu")
    builder.convolution("a", outputs: 4, kernel: 3, stride: 1, padding: 1, bias: false)
    builder.add("a_bn", .batchNormScale)
    builder.relu("a_relu")
    builder.convolution("b", outputs: 4, kernel: 1, stride: 1, padding: 0, bias: false)
    let expanded = builder.add("b_bn", .batchNormScale)
    builder.add("join", .sum, from: ["stem_relu", expanded])
    builder.relu("join_relu")
    builder.fullyConnected("fc", outputs: 3)
    let spec = builder.finished(name: "residual", input: Shape(2, 6, 6), classes: 3)
    var results: [[Float]] = []
    for reuse in [true, false] {
      let network = try Network(spec: spec, batchSize: 3, seed: 4, reusesMemory: reuse)
      let session = TrainingSession(network: network)
      session.loadSyntheticBatch(seed: 8)
      var values: [Float] = []
      for _ in 0..<2 {
        let timings = session.step()
        values.append(timings.loss)
        values += network.gradientOrder.flatMap { $0.parameter.gradient!.values }
      }
      results.append(values)
    }
    #expect(results[0] == results[1])
  }
}
