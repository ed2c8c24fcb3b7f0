import Fitting
import Foundation
import Measurements

/// A chart ready to place on the page: an anchor, a heading, a caption and its SVG.
public struct PlacedChart: Sendable {
  public var id: String
  public var title: String
  public var caption: String
  public var svg: String
}

/// Turns a `ScalingReport` into its charts.
extension ScalingReport {
  /// Latency and bus bandwidth against size, one pair per rank count, one series per algorithm,
  /// with the fitted model dashed and the link-rate ceiling.
  public var allreduceCharts: [PlacedChart] {
    var charts: [PlacedChart] = []
    for ranks in Set(allreduce.map(\.ranks)).sorted() {
      let group = allreduce.filter { $0.ranks == ranks }
      var latency: [SVGChart.Series] = []
      var bandwidth: [SVGChart.Series] = []
      for (index, series) in group.enumerated() {
        latency.append(
          .init(
            name: series.name, points: series.points.map { .init(x: Double($0.bytes), y: $0.meanUs) },
            colorIndex: index))
        bandwidth.append(
          .init(
            name: series.name, points: series.points.map { .init(x: Double($0.bytes), y: $0.busbwGbps) },
            colorIndex: index))
        if let model = models?.communicationModel(for: series) {
          let name = "\(series.algorithm) model" + (model.mape.map { " (MAPE \(Int($0.rounded()))%)" } ?? "")
          let predicted = series.points.map { ($0.bytes, model.seconds(ranks: ranks, bytes: $0.bytes)) }
          latency.append(
            .init(
              name: name, points: predicted.map { .init(x: Double($0.0), y: $0.1 * 1e6) }, style: .model,
              colorIndex: index))
          let factor = Collective.allreduce.busFactor(ranks: ranks)
          bandwidth.append(
            .init(
              name: name,
              points: predicted.map { .init(x: Double($0.0), y: $0.1 > 0 ? Double($0.0) / $0.1 / 1e9 * factor : .nan) },
              style: .model, colorIndex: index))
        }
      }
      let sizeAxis = ChartAxis(label: "Bytes per rank", unit: "", scale: .binaryLogarithmic, format: .bytes)
      charts.append(
        PlacedChart(
          id: "allreduce-latency-\(ranks)", title: "Allreduce latency, \(ranks) ranks",
          caption: "Mean time per allreduce (mean over ranks of each rank's mean), log–log.",
          svg: SVGChart(
            title: "Allreduce latency, \(ranks) ranks", xAxis: sizeAxis,
            yAxis: ChartAxis(label: "Latency", unit: "µs", scale: .logarithmic), series: latency
          ).svg()))
      var references: [SVGChart.Reference] = []
      if let ceiling {
        references.append(.horizontal(y: ceiling.bytesPerSecond / 1e9, label: "link rate \(ceiling.bytesText)"))
      }
      charts.append(
        PlacedChart(
          id: "allreduce-busbw-\(ranks)", title: "Allreduce bus bandwidth, \(ranks) ranks",
          caption: "busbw = size / time × 2(p−1)/p, comparable to the link rate"
            + (ceiling == nil ? "." : " (dotted line)."),
          svg: SVGChart(
            title: "Allreduce bus bandwidth, \(ranks) ranks", xAxis: sizeAxis,
            yAxis: ChartAxis(label: "Bus bandwidth", unit: "GB/s", scale: .logarithmic), series: bandwidth,
            references: references
          ).svg()))
    }
    return charts
  }

  /// The latency and bandwidth matrices of the latest p2p run.
  public var linkCharts: [PlacedChart] {
    guard let links else { return [] }
    let labels = (0..<links.ranks).map { links.label(rank: $0) }
    let inMegabytes = (links.links.map(\.bandwidthGbps).max() ?? 1) < 1
    let bandwidth = links.bandwidthGbps.map { $0.map { $0.map { inMegabytes ? $0 * 1000 : $0 } } }
    return [
      PlacedChart(
        id: "p2p-bandwidth", title: "Point-to-point bandwidth",
        caption:
          "Streaming bandwidth at \(ByteSize.format(links.bandwidthBytes)) from each rank (row) to each rank (column); run \(links.runId).",
        svg: SVGHeatmap(
          title: "Point-to-point bandwidth", labels: labels, values: bandwidth, unit: inMegabytes ? "MB/s" : "GB/s",
          higherIsBetter: true
        ).svg()),
      PlacedChart(
        id: "p2p-latency", title: "Point-to-point latency",
        caption: "One-way latency at \(ByteSize.format(links.latencyBytes)) (half a ping-pong round trip).",
        svg: SVGHeatmap(
          title: "Point-to-point latency", labels: labels, values: links.latencyUs, unit: "µs", higherIsBetter: false
        ).svg()),
    ]
  }

  /// Throughput and efficiency against ranks per model (weak and strong together), with the
  /// fitted laws from models.json, each with its held-out error.
  public var scalingCharts: [PlacedChart] {
    var charts: [PlacedChart] = []
    let rankAxis = ChartAxis(label: "Ranks", unit: "", scale: .binaryLogarithmic, format: .integer)
    for model in Set(scaling.map(\.model)).sorted() {
      var throughput: [SVGChart.Series] = []
      var efficiency: [SVGChart.Series] = []
      var color = 0
      for series in scaling where series.model == model {
        let base = series.points[0]
        throughput.append(
          .init(
            name: "\(series.variant) measured",
            points: series.points.map { .init(x: Double($0.ranks), y: $0.samplesPerS) }, colorIndex: color))
        efficiency.append(
          .init(
            name: "\(series.variant) measured",
            points: series.points.map { .init(x: Double($0.ranks), y: $0.efficiency) }, colorIndex: color))
        color += 1
        guard let fit = models?.scalingFit(for: series) else { continue }
        let maxRanks = series.points.last!.ranks
        let curveRanks = Array(Swift.stride(from: 1.0, through: log2(Double(maxRanks)) + 1e-9, by: 0.25)).map {
          pow(2, $0)
        }
        let curveAt = [1.0] + curveRanks.filter { $0 > 1 }
        for entry in fit.fittedLaws {
          let name = "\(series.variant) \(entry.name)" + (entry.mape.map { " (MAPE \(Int($0.rounded()))%)" } ?? "")
          // Efficiency relative to one rank; throughput from the baseline point's per-rank rate.
          let perRank = base.samplesPerS / (Double(base.ranks) * entry.efficiency(ranks: Double(base.ranks)))
          efficiency.append(
            .init(
              name: name, points: curveAt.map { .init(x: $0, y: entry.efficiency(ranks: $0)) }, style: .model,
              colorIndex: color))
          throughput.append(
            .init(
              name: name, points: curveAt.map { .init(x: $0, y: perRank * $0 * entry.efficiency(ranks: $0)) },
              style: .model,
              colorIndex: color))
          color += 1
        }
      }
      charts.append(
        PlacedChart(
          id: "throughput-\(model)", title: "\(model): throughput",
          caption: "Samples per second over all ranks (global batch / mean step time).",
          svg: SVGChart(
            title: "\(model): throughput", xAxis: rankAxis,
            yAxis: ChartAxis(label: "Throughput", unit: "samples/s", scale: .logarithmic), series: throughput
          ).svg()))
      charts.append(
        PlacedChart(
          id: "efficiency-\(model)", title: "\(model): parallel efficiency",
          caption: "Weak E = t(1)/t(P); strong E = t(1)/(P·t(P)); t the mean step time.",
          svg: SVGChart(
            title: "\(model): parallel efficiency", xAxis: rankAxis,
            yAxis: ChartAxis(label: "Efficiency", unit: "", format: .percent, including: [0, 1]), series: efficiency,
            references: [.horizontal(y: 1, label: "ideal")]
          ).svg()))
      charts.append(stepBreakdownChart(model: model))
    }
    return charts
  }

  private func stepBreakdownChart(model: String) -> PlacedChart {
    var bars: [SVGStackedBars.Bar] = []
    let modelSeries = scaling.filter { $0.model == model }
    // A bar is a few characters wide: series named by more than their scaling mode get a letter,
    // spelled out in the caption.
    let lettered = modelSeries.contains { $0.variant != $0.scaling }
    func tag(_ index: Int) -> String { index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "#\(index + 1)" }
    var key: [String] = []
    for (index, series) in modelSeries.enumerated() {
      if lettered { key.append("\(tag(index)): \(series.variant)") }
      for point in series.points {
        let known =
          (point.forwardMs ?? 0) + (point.backwardMs ?? 0) + (point.exposedCommMs ?? 0) + (point.updateMs ?? 0)
        bars.append(
          .init(
            label: ["\(point.ranks)", lettered ? tag(index) : series.variant],
            segments: [
              point.forwardMs ?? 0, point.backwardMs ?? 0, point.exposedCommMs ?? 0, point.updateMs ?? 0,
              max(0, point.stepMs - known),
            ]))
      }
    }
    return PlacedChart(
      id: "breakdown-\(model)", title: "\(model): step time breakdown",
      caption: "Per rank count and "
        + (lettered ? "series (\(key.joined(separator: "; ")))" : "scaling mode")
        + "; “other” is the step time the four parts do not account for.",
      svg: SVGStackedBars(
        title: "\(model): step time breakdown",
        segmentNames: ["forward", "backward", "exposed comm", "update", "other"], bars: bars,
        valueAxis: ChartAxis(label: "Step time", unit: "ms")
      ).svg())
  }

  /// Predicted against measured, where models.json predicts what was measured.
  public var predictionCharts: [PlacedChart] {
    var charts: [PlacedChart] = []
    for (kind, comparisons, axis) in [
      ("allreduce", communicationComparisons, ChartAxis(label: "", unit: "µs", scale: .logarithmic)),
      ("training", trainingComparisons, ChartAxis(label: "", unit: "samples/s", scale: .logarithmic)),
    ] where !comparisons.isEmpty {
      var measuredAxis = axis
      measuredAxis.label = "Measured"
      var predictedAxis = axis
      predictedAxis.label = "Predicted"
      let points = comparisons.map { SVGChart.Point(x: $0.measured, y: $0.predicted, low: nil, high: nil) }
      let errors = comparisons.map { abs($0.predicted - $0.measured) / $0.measured }
      let mape = errors.reduce(0, +) / Double(errors.count) * 100
      charts.append(
        PlacedChart(
          id: "predicted-\(kind)", title: "Predicted vs measured: \(kind)",
          caption:
            "\(comparisons.count) points; mean absolute percentage error \(Int(mape.rounded()))%. On the dotted diagonal the model is exact.",
          svg: SVGChart(
            title: "Predicted vs measured: \(kind)", xAxis: measuredAxis, yAxis: predictedAxis,
            series: [
              .init(name: "\(kind) points", points: points, style: .points, colorIndex: kind == "allreduce" ? 0 : 2)
            ],
            references: [.diagonal(label: "predicted = measured")]
          ).svg()))
    }
    return charts
  }
}
