import Testing

@testable import Measurements

/// Rates as network people write them: a lower-case b or `bit` is bits, a capital B bytes.
struct DataRateTests {
  @Test(arguments: [
    "100gbit", "100Gbit", "100GBIT", "100Gbps", "100gbps", "100Gb/s", "100gbit/s", "100 Gbit/s", "12.5GB/s",
    "12.5GBps", "12500MB/s", "100000mbit", "1e11bit", "0.1Tbit/s",
  ])
  func everySpellingOfOneHundredGigabitsIsTheSameRate(text: String) throws {
    let rate = try DataRate(parsing: text)
    #expect(abs(rate.bitsPerSecond - 100e9) <= 1e-6, "\(text) → \(rate.bitsPerSecond) bit/s")
    #expect(rate.bytesPerSecond == rate.bitsPerSecond / 8)
  }

  @Test(arguments: [
    ("1gbps", 1e9), ("1GBps", 8e9), ("200mbit", 200e6), ("500kbit", 500e3), ("8bit", 8), ("1Bps", 8),
    ("2.5Mb/s", 2.5e6), ("125MB/s", 1e9), ("1kB/s", 8e3), ("3tbit", 3e12),
  ])
  func bitsAreLowerCaseAndBytesCapital(text: String, bitsPerSecond: Double) throws {
    let rate = try DataRate(parsing: text)
    #expect(abs(rate.bitsPerSecond - bitsPerSecond) <= 1e-12 * bitsPerSecond, "\(text) → \(rate.bitsPerSecond)")
  }

  @Test(arguments: [
    "", "100", "fast", "-5mbit", "0mbit", "mbit", "100gb", "100GB", "100gbits", "100GiB/s", "100 g bit x", "nanbit",
    "1e999bit",
  ])
  func anUnreadableRateIsOneLineNamingTheAcceptedForms(text: String) {
    #expect {
      _ = try DataRate(parsing: text)
    } throws: { error in
      let line = "\(error)"
      return line.hasPrefix("invalid rate '\(text)'") && line.contains("100Gbps") && line.contains("12.5GB/s")
        && !line.contains("\n")
    }
  }

  @Test(arguments: [
    (100e9, "100 Gbit/s = 12.5 GB/s"), (200e6, "200 Mbit/s = 25 MB/s"), (1e9, "1 Gbit/s = 125 MB/s"),
    (8e3, "8 kbit/s = 1 kB/s"), (12.5e9, "12.5 Gbit/s = 1.56 GB/s"), (2e12, "2 Tbit/s = 250 GB/s"),
  ])
  func aRateIsEchoedInBitsAndBytes(bitsPerSecond: Double, text: String) {
    #expect(DataRate(bitsPerSecond: bitsPerSecond).description == text)
  }
}
