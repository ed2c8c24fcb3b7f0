import Testing

@testable import Measurements

/// Durations with their unit: `5us`, `0.2ms`, `1s`, `100ns`.
struct TimeSpanTests {
  @Test(arguments: [
    ("5us", 5e-6), ("5µs", 5e-6), ("0.2ms", 2e-4), ("1s", 1), ("100ns", 1e-7), ("0us", 0), ("2 ms", 2e-3),
    ("1e3us", 1e-3),
  ])
  func readsEachUnit(text: String, seconds: Double) throws {
    let parsed = try TimeSpan.seconds(parsing: text)
    #expect(abs(parsed - seconds) <= 1e-15, "\(text) → \(parsed)")
  }

  @Test(arguments: ["", "5", "fast", "-1us", "5 minutes", "us"])
  func anUnreadableDurationIsOneLineNamingTheUnits(text: String) {
    #expect {
      _ = try TimeSpan.seconds(parsing: text)
    } throws: { error in
      "\(error)".hasPrefix("invalid duration '\(text)'") && "\(error)".contains("5us")
    }
  }

  @Test(arguments: [(5e-6, "5 us"), (2e-4, "200 us"), (1.5e-3, "1.5 ms"), (2, "2 s"), (1e-7, "100 ns")])
  func formatsInTheLargestUnitReached(seconds: Double, text: String) {
    #expect(TimeSpan.format(seconds: seconds) == text)
  }
}
