/// How many untimed warm-up and timed iterations a measurement runs at one message size.
///
/// OSU micro-benchmarks' defaults: 1000 timed and 100 warm-up iterations up to 8 KiB, 100 and 10
/// above; either count can be fixed by the user for every size.
public struct IterationPlan: Sendable, Equatable {
  public var iterations: Int?
  public var warmup: Int?
  /// If set, timed iterations at one size shrink (to no fewer than `minimumIterations`) so that
  /// the size takes about this many seconds, judged from the warm-up: slow links stay usable.
  public var secondsPerSize: Double?
  public static let minimumIterations = 5

  /// The largest size that gets the small-message counts.
  public static let smallMessageLimit = 8 << 10

  public init(iterations: Int? = nil, warmup: Int? = nil, secondsPerSize: Double? = nil) {
    precondition(iterations.map { $0 > 0 } ?? true, "iterations must be positive")
    precondition(warmup.map { $0 >= 0 } ?? true, "warm-up must not be negative")
    self.iterations = iterations
    self.warmup = warmup
    self.secondsPerSize = secondsPerSize
  }

  /// The warm-up count under the time budget: at most a fifth of the budget, at least one.
  public func warmup(planned: Int, secondsPerIteration: Double) -> Int {
    guard let secondsPerSize, secondsPerIteration > 0, planned > 0 else { return planned }
    let affordable = Int((0.2 * secondsPerSize / secondsPerIteration).rounded(.down))
    return max(1, Swift.min(planned, affordable))
  }

  /// The timed count for a size whose iterations take `secondsPerIteration` (the slowest
  /// rank's warm-up mean): the planned count, capped by the time budget if there is one.
  public func iterations(planned: Int, secondsPerIteration: Double) -> Int {
    guard let secondsPerSize, secondsPerIteration > 0 else { return planned }
    let affordable = Int((secondsPerSize / secondsPerIteration).rounded(.down))
    return max(Swift.min(planned, IterationPlan.minimumIterations), Swift.min(planned, affordable))
  }

  /// The (timed, warm-up) counts for messages of `bytes` bytes.
  public func counts(bytes: Int) -> (iterations: Int, warmup: Int) {
    let small = bytes <= IterationPlan.smallMessageLimit
    return (iterations ?? (small ? 1000 : 100), warmup ?? (small ? 100 : 10))
  }
}
