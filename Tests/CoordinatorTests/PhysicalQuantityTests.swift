import Testing

@testable import Coordinator

/// Rates, latencies and counts for `predict` and `optimize`.
struct PhysicalQuantityTests {
  @Test(arguments: [
    ("10gbit", 1.25e9), ("200mbit", 25e6), ("1000kbit", 125e3), ("8bit", 1), ("1gbps", 1e9), ("2.5mbps", 2.5e6),
  ])
  func linkRates(text: String, bytesPerSecond: Double) throws {
    let parsed = try PhysicalQuantity.linkRate(text)
    #expect(abs(parsed - bytesPerSecond) <= 1e-12 * bytesPerSecond, "\(text) → \(parsed)")
  }

  @Test(arguments: [("5us", 5e-6), ("0.2ms", 2e-4), ("1s", 1), ("100ns", 1e-7), ("0us", 0)])
  func latencies(text: String, seconds: Double) throws {
    let parsed = try PhysicalQuantity.duration(text)
    #expect(abs(parsed - seconds) <= 1e-15, "\(text) → \(parsed)")
  }

  @Test func badValuesAreRefusedWithTheOptionNamed() throws {
    for text in ["fast", "10", "-1gbit", "10gbits"] {
      #expect(throws: PhysicalQuantity.ParseError.self) { try PhysicalQuantity.linkRate(text) }
    }
    #expect(throws: PhysicalQuantity.ParseError.self) { try PhysicalQuantity.duration("5") }
    #expect(throws: PhysicalQuantity.ParseError.self) { try PhysicalQuantity.positiveNumber("0", option: "--samples") }
    #expect(throws: PhysicalQuantity.ParseError.self) {
      try PhysicalQuantity.positiveIntegers("1,,4", option: "--nodes")
    }
    #expect(try PhysicalQuantity.positiveIntegers("1, 2,8", option: "--nodes") == [1, 2, 8])
    #expect(try PhysicalQuantity.positiveNumber("1e8", option: "--samples") == 1e8)
  }
}
