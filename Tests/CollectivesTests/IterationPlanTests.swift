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

@Test func timeBudgetCapsIterationsButKeepsAFloor() {
  let plan = IterationPlan(secondsPerSize: 10)
  #expect(plan.iterations(planned: 100, secondsPerIteration: 0.001) == 100)
  #expect(plan.iterations(planned: 100, secondsPerIteration: 0.5) == 20)
  #expect(plan.iterations(planned: 100, secondsPerIteration: 30) == IterationPlan.minimumIterations)
  #expect(plan.iterations(planned: 3, secondsPerIteration: 30) == 3)
  #expect(IterationPlan().iterations(planned: 100, secondsPerIteration: 30) == 100)
}

@Test func timeBudgetCapsWarmupToAFifth() {
  let plan = IterationPlan(secondsPerSize: 10)
  #expect(plan.warmup(planned: 10, secondsPerIteration: 0.001) == 10)
  #expect(plan.warmup(planned: 10, secondsPerIteration: 0.5) == 4)
  #expect(plan.warmup(planned: 10, secondsPerIteration: 30) == 1)
  #expect(plan.warmup(planned: 0, secondsPerIteration: 30) == 0)
}
