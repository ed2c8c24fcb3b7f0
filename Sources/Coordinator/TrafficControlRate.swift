import Measurements

/// A rate as `tc` and scripts/cluster.sh take it: a whole number of kbit, mbit or gbit with at
/// most seven digits (`200mbit`, `100gbit`), the largest unit that keeps it whole.
enum TrafficControlRate {
  /// Why `rate` cannot be set on an emulated link, for the one line a user sees.
  static let limits = "an emulated link's rate is a whole number of kbit/s, from 1kbit to 9999999gbit"

  /// The largest digits `cluster.sh` accepts before the unit.
  private static let maximumDigits = 7

  /// `100 Gbit/s` → `100gbit`, `1.5 Gbit/s` → `1500mbit`; nil when tc cannot set it.
  static func text(_ rate: DataRate) -> String? {
    let bits = rate.bitsPerSecond.rounded()
    guard bits >= 1000, bits < 1e17, abs(bits - rate.bitsPerSecond) <= 1e-9 * bits else { return nil }
    let whole = Int(bits)
    for (unit, scale) in [("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1_000)] where whole % scale == 0 {
      let count = whole / scale
      return String(count).count <= maximumDigits ? "\(count)\(unit)" : nil
    }
    return nil
  }
}
