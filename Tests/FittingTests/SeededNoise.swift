/// A seeded generator (SplitMix64) so that noisy fixtures are the same on every run, and
/// multiplicative noise of a given relative size.
struct SeededNoise: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// `value` × (1 + u), u uniform in [−relative, relative].
  mutating func perturb(_ value: Double, relative: Double) -> Double {
    value * (1 + Double.random(in: -relative...relative, using: &self))
  }
}

/// |a − b| ≤ tolerance × |b|.
func isClose(_ a: Double, _ b: Double, relative tolerance: Double) -> Bool {
  abs(a - b) <= tolerance * abs(b)
}
