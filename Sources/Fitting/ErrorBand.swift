/// A prediction's error band: the terms' held-out MAPEs, each weighted by its milliseconds of
/// the step, summed; a term whose error is unknown leaves the band unknown and is named.
struct ErrorBand {
  /// Σ milliseconds × MAPE (percent) of the terms with a known error.
  var weighted = 0.0
  /// The terms without a known error, one phrase each.
  var unknown: [String] = []

  /// Adds a term of `weight` milliseconds with held-out error `mape` (percent), or names it.
  mutating func add(_ mape: Double?, weight: Double, unknown reason: String) {
    guard let mape, mape.isFinite else {
      if !unknown.contains(reason) { unknown.append(reason) }
      return
    }
    weighted += weight * mape
  }

  /// ± percent of a step of `stepMs`; nil when a term's error is unknown.
  func percentOf(_ stepMs: Double) -> Double? {
    unknown.isEmpty && stepMs > 0 ? weighted / stepMs : nil
  }
}
