/// Summary statistics of a sample: min, mean, median, 95th percentile, max.
public struct Summary: Codable, Equatable, Sendable {
  public var min: Double
  public var mean: Double
  public var median: Double
  public var p95: Double
  public var max: Double

  public init(min: Double, mean: Double, median: Double, p95: Double, max: Double) {
    self.min = min
    self.mean = mean
    self.median = median
    self.p95 = p95
    self.max = max
  }

  /// Summarises `samples` (not empty). Percentiles interpolate linearly between order
  /// statistics (numpy's default), so the median of an even count is the mean of the middle two.
  public init(of samples: [Double]) {
    precondition(!samples.isEmpty, "Summary of an empty sample")
    let sorted = samples.sorted()
    self.init(
      min: sorted[0], mean: samples.reduce(0, +) / Double(samples.count),
      median: Summary.percentile(sorted, 0.5), p95: Summary.percentile(sorted, 0.95), max: sorted[sorted.count - 1])
  }

  /// The `q` quantile (0...1) of already sorted values.
  public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
    precondition(!sorted.isEmpty && (0...1).contains(q))
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = Swift.min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
  }

  /// The same summary with every value multiplied by `factor` (unit changes).
  public func scaled(by factor: Double) -> Summary {
    Summary(min: min * factor, mean: mean * factor, median: median * factor, p95: p95 * factor, max: max * factor)
  }
}
