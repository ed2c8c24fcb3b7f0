import Measurements
import Testing

@testable import Fitting

/// The compute slowdown caused by hidden communication: its fit, and what it does to a step.
struct InterferenceTests {
  let step = StepComputeModel(model: "resnet50", fixedMs: 0, perSampleMs: 100)

  /// An overlapped record at `ranks` whose forward + backward is the compute model's plus κ × hidden.
  func record(ranks: Int, batch: Int, hiddenMs: Double, kappa: Double, factor: Double = 1) -> Record {
    var record = Record(kind: .train, runId: "t")
    record.model = "resnet50"
    record.ranks = ranks
    record.batchPerRank = batch
    record.overlap = .on
    let computeMs = (100 * Double(batch) + kappa * hiddenMs) * factor
    record.forwardMs = computeMs / 3
    record.backwardMs = 2 * computeMs / 3
    record.allreduceMs = hiddenMs + 50
    record.exposedCommMs = 50
    return record
  }

  @Test func recoversAKnownSlowdownExactly() throws {
    var records: [Record] = []
    for ranks in 2...4 {
      for (batch, hidden) in [(2, 300.0), (8, 900.0)] {
        records.append(record(ranks: ranks, batch: batch, hiddenMs: hidden * Double(ranks), kappa: 0.3))
      }
    }
    // Records that teach nothing: one rank, and overlap off.
    var single = record(ranks: 1, batch: 8, hiddenMs: 0, kappa: 0)
    single.forwardMs = 5000
    records.append(single)
    var off = record(ranks: 2, batch: 8, hiddenMs: 900, kappa: 5)
    off.overlap = .off
    records.append(off)
    let fit = try #require(try CommunicationInterference.fit(records, steps: [step]))
    #expect(isClose(fit.slowdownPerHiddenMs, 0.3, relative: 1e-9))
    #expect(fit.points == 6)
    #expect(fit.rankCounts == [2, 3, 4])
    #expect(try #require(fit.mape) < 1e-9)
  }

  @Test func staysWithinTheNoiseBound() throws {
    var noise = SeededNoise(seed: 7)
    var records: [Record] = []
    for ranks in 2...4 {
      for batch in [2, 4, 8] {
        // ±5% on the observed compute.
        let factor = 1 + Double.random(in: -0.05...0.05, using: &noise)
        records.append(record(ranks: ranks, batch: batch, hiddenMs: 400, kappa: 0.25, factor: factor))
      }
    }
    let fit = try #require(try CommunicationInterference.fit(records, steps: [step]))
    // 5% of the largest observed compute (900 ms) over the smallest hidden time (400 ms) bounds
    // the slope's error.
    #expect(abs(fit.slowdownPerHiddenMs - 0.25) < 0.05 * 900 / 400)
    #expect(try #require(fit.mape) < 10)
  }

  @Test func nothingHiddenFitsNothing() throws {
    let records = [record(ranks: 2, batch: 4, hiddenMs: 0, kappa: 0)]
    #expect(try CommunicationInterference.fit(records, steps: [step]) == nil)
  }

  @Test func aNegativeSlopeIsClampedToZero() throws {
    // Forward + backward below the compute model: the slope is clamped at 0, not negative.
    let records = [record(ranks: 2, batch: 4, hiddenMs: 400, kappa: 0, factor: 0.9)]
    let fit = try #require(try CommunicationInterference.fit(records, steps: [step]))
    #expect(fit.slowdownPerHiddenMs == 0)
  }

  @Test func hiddenCommunicationStretchesBackward() {
    // Backward 100 ms, one bucket ready at its end: nothing hidden, nothing added.
    var model = IterationModel(
      computeMs: 150, backwardMs: 100, updateMs: 10, buckets: [100], ranks: 2,
      allreduceSeconds: { _ in 40e-3 })
    model.interference = 0.5
    #expect(model.interferenceMs == 0)
    #expect(abs(model.stepMs - 200) < 1e-9)
    // Two buckets, ready at 50 and 100 ms, 40 ms each: the first is hidden (50 → 90 ms).
    model.buckets = [50, 50]
    model.interference = 0
    #expect(abs(model.exposedCommunicationMs - 40) < 1e-9)
    model.interference = 0.5
    // 20 ms added to backward: buckets ready at 60 and 120; the second runs 120 → 160: 40 exposed.
    #expect(abs(model.interferenceMs - 20) < 1e-9)
    #expect(abs(model.exposedCommunicationMs - 40) < 1e-9)
    #expect(abs(model.stepMs - (150 + 20 + 40 + 10)) < 1e-9)
  }
}
