/// Mean absolute percentage error, 100/n · Σ |predicted − observed| / observed: the held-out
/// error every fitted model reports.
public enum MeanAbsolutePercentageError {
  /// Nil when there are no pairs or an observed value is not positive.
  public static func of(predicted: [Double], observed: [Double]) -> Double? {
    precondition(predicted.count == observed.count, "one prediction per observation")
    guard !observed.isEmpty, observed.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    let sum = zip(predicted, observed).map { abs($0 - $1) / $1 }.reduce(0, +)
    return 100 * sum / Double(observed.count)
  }

  /// Leave-one-group-out: for every group, fit on the other groups and predict the held-out
  /// group's points. Groups whose fit fails are skipped; nil when no group could be predicted.
  public static func leaveOneGroupOut<Point, Model>(
    _ points: [Point], group: (Point) -> Int, observed: (Point) -> Double,
    fit: ([Point]) throws -> Model, predict: (Model, Point) -> Double
  ) -> Double? {
    let groups = Set(points.map(group)).sorted()
    guard groups.count >= 2 else { return nil }
    var predictions: [Double] = []
    var observations: [Double] = []
    for held in groups {
      let training = points.filter { group($0) != held }
      guard let model = try? fit(training) else { continue }
      for point in points where group(point) == held {
        let value = predict(model, point)
        guard value.isFinite else { continue }
        predictions.append(value)
        observations.append(observed(point))
      }
    }
    return of(predicted: predictions, observed: observations)
  }
}
