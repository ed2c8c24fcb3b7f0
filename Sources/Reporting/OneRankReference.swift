/// What one rank of a model does at a batch per rank: the step and the forward + backward that
/// multi-rank points of the same engine and model are judged against (`Observations`). The
/// 1-rank run at exactly that batch when there is one, from any series of the engine and model
/// (a strong-scaling point at 8 per rank is compared with a 1-rank run of 8); else a straight
/// line between the 1-rank runs at the nearest batches below and above it (compute is close to
/// linear in the batch, `StepComputeModel`); nil when the batch is outside the 1-rank runs.
struct OneRankReference {
  var stepMs: Double
  var computeMs: Double?
  /// "1 rank", or "1 rank (between batches 8 and 32)" for an interpolated reference.
  var label: String

  init?(of series: ScalingSeries, batchPerRank: Int?, among all: [ScalingSeries]) {
    guard let batchPerRank else { return nil }
    var byBatch: [Int: ScalingSeries.Point] = [:]
    for candidate in [series] + all where candidate.engine == series.engine && candidate.model == series.model {
      for point in candidate.points where point.ranks == 1 {
        if let batch = point.batchPerRank, byBatch[batch] == nil { byBatch[batch] = point }
      }
    }
    if let exact = byBatch[batchPerRank] {
      self.init(stepMs: exact.stepMs, computeMs: exact.computeMs, label: "1 rank")
      return
    }
    guard let below = byBatch.keys.filter({ $0 < batchPerRank }).max(),
      let above = byBatch.keys.filter({ $0 > batchPerRank }).min()
    else { return nil }
    let low = byBatch[below]!
    let high = byBatch[above]!
    let weight = Double(batchPerRank - below) / Double(above - below)
    func between(_ a: Double, _ b: Double) -> Double { a + (b - a) * weight }
    var compute: Double?
    if let lowCompute = low.computeMs, let highCompute = high.computeMs { compute = between(lowCompute, highCompute) }
    self.init(
      stepMs: between(low.stepMs, high.stepMs), computeMs: compute,
      label: "1 rank (between batches \(below) and \(above))")
  }

  private init(stepMs: Double, computeMs: Double?, label: String) {
    self.stepMs = stepMs
    self.computeMs = computeMs
    self.label = label
  }
}
