import Fitting
import Foundation
import Measurements

/// Everything a scaling report shows, worked out once from the records (and models.json): the
/// HTML page, summary.md and the CSV tables are three renderings of this.
public struct ScalingReport: Sendable {
  public var records: [Record]
  public var models: ModelsFile?
  /// The link rate a bus bandwidth can reach, from `--link-rate` or models.json.
  public var ceiling: DataRate?
  public var allreduce: [AllreduceSeries]
  public var links: LinkMatrix?
  public var scaling: [ScalingSeries]
  public var failures: [Record]
  public var metadata: RunMetadata
  public var observations: Observations
  /// The answer the report opens with: time to train and throughput, measured and predicted.
  public var timeToTrain: TimeToTrain

  public init(
    records: [Record], models: ModelsFile? = nil, linkRate: DataRate? = nil,
    workload: TimeToTrain.Workload = .standard
  ) {
    self.records = records
    self.models = models
    ceiling = linkRate ?? models?.links.map { DataRate(bytesPerSecond: $0.bandwidthBytesPerS) }
    allreduce = AllreduceSeries.group(records)
    links = LinkMatrix.latest(in: records)
    scaling = ScalingSeries.group(records)
    failures = records.filter { $0.kind == .failure }
    metadata = RunMetadata(records: records)
    observations = Observations(
      allreduce: allreduce, links: links, scaling: scaling, failures: failures, records: records,
      linkRate: ceiling)
    timeToTrain = TimeToTrain(scaling: scaling, models: models, workload: workload)
  }

  /// Measured and predicted values for every point a model predicts.
  public struct Comparison: Sendable {
    public var label: String
    public var measured: Double
    public var predicted: Double
    public var low: Double?
    public var high: Double?
  }

  /// Predicted against measured allreduce time (µs), for the algorithms models.json covers.
  public var communicationComparisons: [Comparison] {
    guard let models else { return [] }
    return allreduce.flatMap { series -> [Comparison] in
      guard let model = models.communicationModel(for: series) else { return [] }
      return series.points.map { point in
        let predicted = model.seconds(ranks: series.ranks, bytes: point.bytes) * 1e6
        let band = model.mape.map { predicted * $0 / 100 }
        return Comparison(
          label: "\(series.name) \(series.ranks) ranks \(ByteSize.format(point.bytes))", measured: point.meanUs,
          predicted: predicted, low: band.map { predicted - $0 }, high: band.map { predicted + $0 })
      }
    }
  }

  /// Predicted against measured training throughput (samples/s) at each measured rank count
  /// beyond one: the fitted scaling law with the smallest held-out error, its band that error.
  public var trainingComparisons: [Comparison] {
    guard let models else { return [] }
    return scaling.flatMap { series -> [Comparison] in
      guard let fit = models.scalingFit(for: series), let best = fit.bestLaw else { return [] }
      return series.points.filter { $0.ranks > 1 }.map { point in
        let predicted = fit.baselineSamplesPerS * best.law.speedup(ranks: point.ranks)
        let band = best.mape.map { predicted * $0 / 100 }
        return Comparison(
          label: "\(series.name) \(point.ranks) ranks (\(best.name))", measured: point.samplesPerS,
          predicted: predicted, low: band.map { predicted - $0 }, high: band.map { predicted + $0 })
      }
    }
  }
}
