import Foundation

/// Per-kernel compute time: support vector regression on `KernelFeatures` correcting a power law
/// of work per op, piecewise for memory-bound ops (`OperationTimeLaw`), with one roofline for
/// every kernel (`RooflineModel`) beside it as the baseline; a model's step compute is the sum
/// over its layers.
///
/// The regression learns log(time / op law time): an RBF regression tends to its bias far
/// from its training points, so a kernel unlike any measured one falls back to its op's law times
/// the mean correction instead of to a constant time. C, ε and γ are chosen from `grid` by
/// grouped cross-validation on the training kernels.
///
/// Held-out error: leave one group out, a group being the model the kernels are layers of (the
/// kernel's shape for records without a model; more than `maximumFolds` groups are dealt into
/// that many folds). Within each fold the hyperparameters are chosen by cross-validation on the
/// training groups only, so the held-out model's layers take no part in fitting or tuning.
public struct KernelTimeModel: Codable, Sendable, Equatable {
  public var features: KernelFeatures
  public var regression: SupportVectorRegression
  public var prior: OperationTimeLaw
  public var roofline: RooflineModel
  public var cost: Double
  public var epsilon: Double
  public var samples: Int
  /// Held-out MAPE per kernel (each layer shape × pass × batch of each held-out model).
  public var regressionMape: Double?
  public var rooflineMape: Double?
  /// Held-out MAPE of the summed step compute over (model, batch).
  public var stepMape: Double?
  public var rooflineStepMape: Double?
  public var heldOut: [HeldOutModelError] = []
  /// The same held-out predictions by op and pass.
  public var heldOutOperations: [HeldOutOperationError]?

  public func seconds(_ sample: KernelSample) -> Double {
    prior.seconds(sample) * Foundation.exp(regression.predict(features.features(sample)))
  }

  /// The hyperparameters tried: C ∈ {3, 10, 30} × γ ∈ {0.05, 0.1, 0.2}, ε = 0.05 (on the
  /// 1488 kernels of `make bench-compute-model`, over a per-op roofline, this grid gave a held-out
  /// per-layer MAPE of 17.4%, the earlier C ∈ {1, 3, 10} × γ ∈ {0.02, 0.05} × ε ∈ {0.05, 0.1}
  /// 17.9%; over `OperationTimeLaw`, 13.1%).
  public static let grid: [SupportVectorRegression.Parameters] = [3.0, 10, 30].flatMap { cost in
    [0.05, 0.1, 0.2].flatMap { gamma in
      [0.05].map { epsilon in
        var parameters = SupportVectorRegression.Parameters()
        parameters.cost = cost
        parameters.gamma = gamma
        parameters.epsilon = epsilon
        return parameters
      }
    }
  }

  public static func fit(
    _ samples: [KernelSample], grid: [SupportVectorRegression.Parameters] = grid
  ) throws -> KernelTimeModel {
    var model = try fitWithoutError(samples, parameters: tune(samples, grid: grid))
    var regression = [Double?](repeating: nil, count: samples.count)
    var roofline = [Double?](repeating: nil, count: samples.count)
    for fold in crossValidationFolds(samples) {
      let training = fold.training.map { samples[$0] }
      let fitted = try? fitWithoutError(training, parameters: tune(training, grid: grid))
      let baseline = try? RooflineModel.fit(training)
      for index in fold.heldOut {
        let sample = samples[index]
        regression[index] = fitted?.seconds(sample)
        roofline[index] = baseline.map { $0.seconds(flops: sample.flops, bytes: sample.bytesMoved) }
      }
    }
    model.regressionMape = pooledMape(samples, regression)
    model.rooflineMape = pooledMape(samples, roofline)
    model.heldOut = HeldOutModelError.rows(samples, regression: regression, roofline: roofline)
    model.heldOutOperations = HeldOutOperationError.rows(samples, regression: regression, roofline: roofline)
    if !model.heldOut.isEmpty {
      let measured = model.heldOut.map(\.measuredMs)
      model.stepMape = MeanAbsolutePercentageError.of(predicted: model.heldOut.map(\.predictedMs), observed: measured)
      model.rooflineStepMape = MeanAbsolutePercentageError.of(
        predicted: model.heldOut.map(\.rooflineMs), observed: measured)
    }
    return model
  }

  /// MAPE over the samples that have a finite prediction.
  static func pooledMape(_ samples: [KernelSample], _ predictions: [Double?]) -> Double? {
    let pairs = zip(samples, predictions).compactMap { sample, prediction in
      prediction.flatMap { $0.isFinite ? ($0, sample.seconds) : nil }
    }
    guard !pairs.isEmpty else { return nil }
    return MeanAbsolutePercentageError.of(predicted: pairs.map(\.0), observed: pairs.map(\.1))
  }

  /// Folds for cross-validation: one per group, or — with more than `folds` groups — groups
  /// dealt round-robin into that many folds (grouped k-fold), which bounds the regressions
  /// trained. A fold never splits a group.
  static let maximumFolds = 10
  /// Folds of the cross-validation that chooses the hyperparameters inside a training set.
  static let tuningFolds = 4

  /// The held-out folds of `fit`: sample indices to train on and to predict, every group in
  /// exactly one fold's held-out part and never in that fold's training part.
  static func crossValidationFolds(_ samples: [KernelSample]) -> [(training: [Int], heldOut: [Int])] {
    let folds = foldIndex(samples, folds: maximumFolds)
    return Set(samples.map(folds)).sorted().map { held in
      let indices = Array(samples.indices)
      return (indices.filter { folds(samples[$0]) != held }, indices.filter { folds(samples[$0]) == held })
    }
  }

  static func foldIndex(_ samples: [KernelSample], folds: Int) -> (KernelSample) -> Int {
    let names = Set(samples.map(\.group)).sorted()
    let positions = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    return { sample in positions[sample.group]! % folds }
  }

  /// The grid point with the lowest grouped cross-validated MAPE on `samples` (the first point
  /// when there is one, or fewer than two groups to validate on).
  static func tune(
    _ samples: [KernelSample], grid: [SupportVectorRegression.Parameters]
  ) -> SupportVectorRegression.Parameters {
    guard let first = grid.first else { return .init() }
    let folds = foldIndex(samples, folds: tuningFolds)
    guard grid.count > 1, Set(samples.map(folds)).count >= 2 else { return first }
    var best = (parameters: first, mape: Double.infinity)
    for parameters in grid {
      guard
        let mape = MeanAbsolutePercentageError.leaveOneGroupOut(
          samples, group: folds, observed: \.seconds, fit: { try fitWithoutError($0, parameters: parameters) },
          predict: { $0.seconds($1) }), mape < best.mape
      else { continue }
      best = (parameters, mape)
    }
    return best.parameters
  }

  static func fitWithoutError(
    _ samples: [KernelSample], parameters: SupportVectorRegression.Parameters
  ) throws -> KernelTimeModel {
    guard samples.count >= 3 else {
      throw FittingError.tooFewPoints(model: "compute (kernel regression)", needed: 3, found: samples.count)
    }
    let features = KernelFeatures(training: samples)
    let prior = try OperationTimeLaw.fit(samples)
    let regression = try SupportVectorRegression.train(
      features: samples.map(features.features),
      targets: samples.map { Foundation.log($0.seconds / prior.seconds($0)) }, parameters: parameters)
    return KernelTimeModel(
      features: features, regression: regression, prior: prior, roofline: prior.fallback.overall, cost: parameters.cost,
      epsilon: parameters.epsilon, samples: samples.count)
  }
}
