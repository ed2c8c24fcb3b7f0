/// The `--poll-interval` setting that dlscale and its agents share: microseconds between tests
/// of a pending transfer, 0 meaning MPI's own blocking wait (see `WaitPolicy` in Collectives).
public enum PollInterval {
  public static let microseconds: ClosedRange<Double> = 0...1_000_000

  /// One line for the user when `value` is out of range (or not a number), else nil.
  public static func problem(_ value: Double) -> String? {
    microseconds.contains(value)
      ? nil : "--poll-interval must be 0 (MPI's blocking wait) to 1000000 microseconds, got \(value)"
  }
}
