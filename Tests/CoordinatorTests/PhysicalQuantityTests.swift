import Testing

@testable import Coordinator

/// Counts for `predict` and `optimize` (rates and durations are Measurements' `DataRate` and
/// `TimeSpan`).
struct PhysicalQuantityTests {
  @Test func badCountsAreRefusedWithTheOptionNamed() throws {
    #expect(throws: PhysicalQuantity.ParseError.self) { try PhysicalQuantity.positiveNumber("0", option: "--samples") }
    #expect(throws: PhysicalQuantity.ParseError.self) {
      try PhysicalQuantity.positiveIntegers("1,,4", option: "--nodes")
    }
    #expect(try PhysicalQuantity.positiveIntegers("1, 2,8", option: "--nodes") == [1, 2, 8])
    #expect(try PhysicalQuantity.positiveNumber("1e8", option: "--samples") == 1e8)
  }
}
