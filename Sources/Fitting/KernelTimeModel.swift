import Foundation

/// Per-kernel compute time: support vector regression on `KernelFeatures` predicting log time,
/// with the roofline baseline beside it; both with leave-one-group-out MAPE (a group is the
/// model the kernels were measured for, else the shape).
public struct KernelTimeModel: Codable, Sendable, Equatable {
  public var features: KernelFeatures
  public var regression: SupportVectorRegression
  public var roofline: RooflineModel
  public var samples: Int
  public var regressionMape: Double?
  public var rooflineMape: Double?

  public func seconds(_ sample: KernelSample) -> Double {
    Foundation.exp(regression.predict(features.features(sample)))
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

  static func groupIndex(_ samples: [KernelSample]) -> (KernelSample) -> Int {
    let names = Set(samples.map(\.group)).sorted()
    return { sample in names.firstIndex(of: sample.group)! }
  }

  static func fitWithoutError(
    _ samples: [KernelSample], parameters: SupportVectorRegression.Parameters
  ) throws -> KernelTimeModel {
    guard samples.count >= 3 else {
      throw FittingError.tooFewPoints(model: "compute (kernel regression)", needed: 3, found: samples.count)
    }
    let features = KernelFeatures(training: samples)
    let regression = try SupportVectorRegression.train(
      features: samples.map(features.features), targets: samples.map { Foundation.log($0.seconds) },
      parameters: parameters)
    return KernelTimeModel(
      features: features, regression: regression, roofline: try RooflineModel.fit(samples),
      samples: samples.count)
  }
}
