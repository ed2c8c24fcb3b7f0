import Testing

@testable import Measurements

@Test func summarisesOddAndEvenSamples() {
  let odd = Summary(of: [5, 1, 3])
  #expect(odd.min == 1 && odd.max == 5 && odd.median == 3 && odd.mean == 3)
  let even = Summary(of: [4, 1, 3, 2])
  #expect(even.median == 2.5)
  #expect(even.mean == 2.5)
}

@Test func percentileInterpolatesLikeNumpy() {
  // numpy.percentile(range(1, 101), 95) == 95.05
  let values = (1...100).map(Double.init)
  #expect(abs(Summary.percentile(values, 0.95) - 95.05) < 1e-12)
  #expect(Summary.percentile([7], 0.95) == 7)
}

@Test func scalesEveryField() {
  let scaled = Summary(of: [1, 2, 3]).scaled(by: 1000)
  #expect(scaled == Summary(min: 1000, mean: 2000, median: 2000, p95: 2900, max: 3000))
}

@Test(arguments: [1, 2, 3, 4, 8, 64])
func busFactorsFollowNcclTests(ranks: Int) {
  let p = Double(ranks)
  #expect(Collective.allreduce.busFactor(ranks: ranks) == 2 * (p - 1) / p)
  #expect(Collective.allgather.busFactor(ranks: ranks) == (p - 1) / p)
  #expect(Collective.reduceScatter.busFactor(ranks: ranks) == (p - 1) / p)
  #expect(Collective.broadcast.busFactor(ranks: ranks) == 1)
}

@Test func bandwidthsFromBytesAndSeconds() {
  // 1e9 bytes in 1 s at 4 ranks: algbw 1 GB/s, allreduce busbw 1.5 GB/s.
  #expect(Collective.algorithmBandwidth(bytes: 1_000_000_000, seconds: 1) == 1)
  #expect(Collective.allreduce.busBandwidth(bytes: 1_000_000_000, seconds: 1, ranks: 4) == 1.5)
  #expect(Collective.algorithmBandwidth(bytes: 100, seconds: 0) == 0)
}
