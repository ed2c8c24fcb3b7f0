import Foundation
import Testing

@testable import Reporting

@Test func logarithmicDomainSnapsToDecadesAndTicksAtPowersOfTen() {
  let axis = ChartAxis(label: "Latency", unit: "µs", scale: .logarithmic)
  let domain = axis.domain(of: [1.3, 870])
  #expect(domain == 1...1000)
  #expect(axis.ticks(in: domain) == [1, 10, 100, 1000])
  // 1.3 sits at log10(1.3)/3 of the way up.
  let fraction = axis.fraction(1.3, in: domain)
  #expect(abs(fraction - log10(1.3) / 3) < 1e-12, "fraction \(fraction)")
}

@Test func binaryAxisLabelsBytesAndThinsItsTicks() {
  let axis = ChartAxis(label: "Bytes per rank", unit: "", scale: .binaryLogarithmic, format: .bytes)
  let domain = axis.domain(of: [8, 1_048_576])
  #expect(domain == 8...1_048_576)
  let ticks = axis.ticks(in: domain, maximum: 8)
  #expect(ticks.count <= 9 && ticks.count >= 6, "ticks \(ticks)")
  #expect(ticks.first == 8)
  #expect(axis.label(for: 8) == "8 B")
  #expect(axis.label(for: 65536) == "64 KiB")
  #expect(axis.label(for: 1_048_576) == "1 MiB")
}

@Test(arguments: [(0.7, 1.0), (1.3, 2.0), (3.1, 5.0), (7.0, 10.0), (0.042, 0.05), (1200, 2000)])
func niceStepsAreOneTwoOrFiveTimesAPowerOfTen(rough: Double, expected: Double) {
  let step = ChartAxis.niceStep(rough)
  #expect(abs(step - expected) <= expected * 1e-12, "niceStep(\(rough)) = \(step)")
}

@Test func linearAxisIncludesRequestedValues() {
  let axis = ChartAxis(label: "Efficiency", unit: "", format: .percent, including: [0, 1])
  let domain = axis.domain(of: [0.45, 0.9])
  #expect(domain.lowerBound <= 0 && domain.upperBound >= 1)
  #expect(axis.ticks(in: domain) == [0, 0.2, 0.4, 0.6, 0.8, 1], "ticks are the decimal values, not sums of steps")
  #expect(axis.label(for: 0.5) == "50%")
}
