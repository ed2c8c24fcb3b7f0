/// How many untimed warm-up and timed iterations a measurement runs at one message size.
///
/// OSU micro-benchmarks' defaults: 1000 timed and 100 warm-up iterations up to 8 KiB, 100 and 10
/// above; either count can be fixed by the user for every size.
public struct IterationPlan: Sendable, Equatable {
  public var iterations: Int?
  public var warmup: Int?

  /// The largest size that gets the small-message counts.
  public static let smallMessageLimit = 8 << 10

  public init(iterations: Int? = nil, warmup: Int? = nil) {
    precondition(iterations.map { $0 > 0 } ?? true, "iterations must be positive")
    precondition(warmup.map { $0 >= 0 } ?? true, "warm-up must not be negative")
    self.iterations = iterations
    self.warmup = warmup
  }

  /// The (timed, warm-up) counts for messages of `bytes` bytes.
  public func counts(bytes: Int) -> (iterations: Int, warmup: Int) {
    let small = bytes <= IterationPlan.smallMessageLimit
    return (iterations ?? (small ? 1000 : 100), warmup ?? (small ? 100 : 10))
  }
}
