import Measurements

/// A model's compute time per step on one rank as a line in the batch per rank,
/// t(b) = t0 + t1·b (forward + backward, milliseconds), fitted to `train` records weighted by
/// 1/t; the optimizer update is its mean `update_ms`, and backward's share of the compute (which
/// the gradient allreduce can overlap) the mean of backward / (forward + backward). With one measured batch size the line goes
/// through the origin (t0 = 0). Held-out error: leave-one-batch-out MAPE.
public struct StepComputeModel: Codable, Sendable, Equatable {
  public var model: String
  public var fixedMs: Double
  public var perSampleMs: Double
  public var updateMs: Double
  /// Backward's share of forward + backward (2/3 when the records do not say).
  public var backwardShare: Double = 2.0 / 3.0
  public var batches: [Int]
  public var points: Int
  public var mape: Double?

  public init(model: String, fixedMs: Double, perSampleMs: Double, updateMs: Double = 0) {
    self.model = model
    self.fixedMs = fixedMs
    self.perSampleMs = perSampleMs
    self.updateMs = updateMs
    self.batches = []
    self.points = 0
  }

  /// Forward + backward milliseconds at `batch` samples per rank.
  public func computeMs(batch: Double) -> Double { fixedMs + perSampleMs * batch }

  struct Point {
    var batch: Int
    var milliseconds: Double
  }

  /// One model per zoo model found in the train records, fitted to the records at its fewest
  /// ranks (ranks sharing a machine slow each other's compute; a cluster node runs its own).
  public static func fitAll(_ records: [Record]) -> (models: [StepComputeModel], errors: [FittingError]) {
    var byModel: [String: [Record]] = [:]
    // dlscale's engine's compute only: another engine's (PyTorch's) differs for the same model.
    for record in records where record.kind == .train && record.engineName == Record.ownEngine {
      guard let name = record.model else { continue }
      byModel[name, default: []].append(record)
    }
    var models: [StepComputeModel] = []
    var errors: [FittingError] = []
    for name in byModel.keys.sorted() {
      // Ranks sharing one machine's cores slow each other's compute: use the fewest ranks.
      let own = byModel[name]!
      let fewest = own.map { $0.ranks ?? 1 }.min()!
      do { models.append(try fit(own.filter { ($0.ranks ?? 1) == fewest }, model: name)) } catch let error
        as FittingError
      {
        errors.append(error)
      } catch { errors.append(.singular(model: "compute \(name)")) }
    }
    return (models, errors)
  }

  public static func fit(_ records: [Record], model: String) throws -> StepComputeModel {
    let points: [Point] = records.compactMap { record in
      guard let batch = record.batchPerRank, batch > 0, let forward = record.forwardMs,
        let backward = record.backwardMs, forward >= 0, backward >= 0, forward + backward > 0,
        (forward + backward).isFinite
      else { return nil }
      return Point(batch: batch, milliseconds: forward + backward)
    }
    var result = try fitLine(points, model: model)
    let updates = records.compactMap(\.updateMs).filter { $0 >= 0 && $0.isFinite }
    result.updateMs = updates.isEmpty ? 0 : updates.reduce(0, +) / Double(updates.count)
    let shares = records.compactMap { record -> Double? in
      guard let forward = record.forwardMs, let backward = record.backwardMs, forward + backward > 0 else { return nil }
      return backward / (forward + backward)
    }
    if !shares.isEmpty { result.backwardShare = shares.reduce(0, +) / Double(shares.count) }
    if result.batches.count >= 3 {
      result.mape = MeanAbsolutePercentageError.leaveOneGroupOut(
        points, group: \.batch, observed: \.milliseconds, fit: { try fitLine($0, model: model) },
        predict: { $0.computeMs(batch: Double($1.batch)) })
    }
    return result
  }

  static func fitLine(_ points: [Point], model: String) throws -> StepComputeModel {
    let name = "compute \(model) (train records)"
    guard !points.isEmpty else { throw FittingError.tooFewPoints(model: name, needed: 1, found: 0) }
    let batches = Set(points.map(\.batch)).sorted()
    let values = points.map(\.milliseconds)
    let solution: [Double]?
    if batches.count >= 2 {
      solution = LinearLeastSquares.relative(rows: points.map { [1, Double($0.batch)] }, values: values)
        .solveNonNegative()
    } else {
      solution = LinearLeastSquares.relative(rows: points.map { [Double($0.batch)] }, values: values)
        .solve().map { [0, $0[0]] }
    }
    guard let solution else { throw FittingError.singular(model: name) }
    var result = StepComputeModel(model: model, fixedMs: solution[0], perSampleMs: solution[1])
    result.batches = batches
    result.points = points.count
    return result
  }
}
