import Testing

@testable import Collectives

@Test func osuDefaultsShrinkAboveEightKiB() {
  let plan = IterationPlan()
  #expect(plan.counts(bytes: 0) == (1000, 100))
  #expect(plan.counts(bytes: 8192) == (1000, 100))
  #expect(plan.counts(bytes: 8196) == (100, 10))
  #expect(plan.counts(bytes: 64 << 20) == (100, 10))
}

@Test func explicitCountsApplyToEverySize() {
  let plan = IterationPlan(iterations: 7, warmup: 0)
  #expect(plan.counts(bytes: 8) == (7, 0))
  #expect(plan.counts(bytes: 1 << 30) == (7, 0))
}
