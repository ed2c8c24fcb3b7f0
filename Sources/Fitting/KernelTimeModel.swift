import Foundation

/// Per-kernel compute time: support vector regression on `KernelFeatures` predicting log time,
/// with the roofline baseline beside it; both with leave-one-group-out MAPE (a group is the
/// model the kernels were measured for, else the shape; more than ten groups are dealt into ten
/// folds).
///
/// The regression learns log time relative to the roofline, log t − log roofline(t): an RBF
/// regression tends to its bias far from its training points, so a kernel unlike any measured
/// one (a new op, an unseen size) falls back to the roofline times the mean correction instead
/// of to a constant time.
public struct KernelTimeModel: Codable, Sendable, Equatable {
  public var features: KernelFeatures
  public var regression: SupportVectorRegression
  public var roofline: RooflineModel
  public var samples: Int
  public var regressionMape: Double?
  public var rooflineMape: Double?

  public func seconds(_ sample: KernelSample) -> Double {
    Self.baseline(roofline, sample) * Foundation.exp(regression.predict(features.features(sample)))
  }

  /// The roofline time, floored at a picosecond so that its logarithm is finite.
  static func baseline(_ roofline: RooflineModel, _ sample: KernelSample) -> Double {
    max(roofline.seconds(flops: sample.flops, bytes: sample.bytesMoved), 1e-12)
  }

  public static func fit(
    _ samples: [KernelSample], parameters: SupportVectorRegression.Parameters = .init()
  ) throws -> KernelTimeModel {
    var model = try fitWithoutError(samples, parameters: parameters)
    model.regressionMape = MeanAbsolutePercentageError.leaveOneGroupOut(
      samples, group: groupIndex(samples), observed: \.seconds,
      fit: { try fitWithoutError($0, parameters: parameters) }, predict: { $0.seconds($1) })
    model.rooflineMape = MeanAbsolutePercentageError.leaveOneGroupOut(
      samples, group: groupIndex(samples), observed: \.seconds,
      fit: { try RooflineModel.fit($0) }, predict: { $0.seconds(flops: $1.flops, bytes: $1.bytesMoved) })
    return model
  }

  /// Folds for cross-validation: one per group, or — with more than `maximumFolds` groups —
  /// groups dealt round-robin into that many folds (grouped k-fold), which bounds the number of
  /// regressions trained.
  static let maximumFolds = 10

  static func groupIndex(_ samples: [KernelSample]) -> (KernelSample) -> Int {
    let names = Set(samples.map(\.group)).sorted()
    let positions = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    return { sample in positions[sample.group]! % maximumFolds }
  }

  static func fitWithoutError(
    _ samples: [KernelSample], parameters: SupportVectorRegression.Parameters
  ) throws -> KernelTimeModel {
    guard samples.count >= 3 else {
      throw FittingError.tooFewPoints(model: "compute (kernel regression)", needed: 3, found: samples.count)
    }
    let features = KernelFeatures(training: samples)
    let roofline = try RooflineModel.fit(samples)
    let regression = try SupportVectorRegression.train(
      features: samples.map(features.features),
      targets: samples.map { Foundation.log($0.seconds / baseline(roofline, $0)) }, parameters: parameters)
    return KernelTimeModel(features: features, regression: regression, roofline: roofline, samples: samples.count)
  }
}
