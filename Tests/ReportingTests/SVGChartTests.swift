import Testing

@testable import Reporting

@Test func lineChartDrawsPathsPointsLegendAndEscapesNames() {
  let chart = SVGChart(
    title: "t <b>", xAxis: ChartAxis(label: "Bytes", unit: "", scale: .binaryLogarithmic, format: .bytes),
    yAxis: ChartAxis(label: "Latency", unit: "µs", scale: .logarithmic),
    series: [
      .init(
        name: "ring<script>", points: [.init(x: 8, y: 2), .init(x: 64, y: 3), .init(x: 1024, y: 40)], colorIndex: 0),
      .init(name: "ring model", points: [.init(x: 8, y: 2.1), .init(x: 1024, y: 38)], style: .model, colorIndex: 0),
    ],
    references: [.horizontal(y: 30, label: "ceiling")])
  let svg = chart.svg()
  #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
  #expect(svg.hasSuffix("</svg>"))
  #expect(ReportFixtures.count("<circle class=\"data\"", in: svg) == 3, "one circle per measured point")
  #expect(ReportFixtures.count("<path class=\"data\"", in: svg) == 2, "a measured line and a model line")
  #expect(svg.contains("stroke-dasharray=\"6 4\""), "the model line is dashed")
  #expect(svg.contains("Latency (µs)"), "the y axis names its unit")
  #expect(svg.contains("ring&lt;script&gt;"))
  #expect(!svg.contains("<script"))
  #expect(svg.contains("class=\"ceiling\""))
}

@Test func pointsOutsideALogScaleAreLeftOutNotDrawnAtInfinity() {
  let chart = SVGChart(
    title: "t", xAxis: ChartAxis(label: "x", unit: "", scale: .logarithmic),
    yAxis: ChartAxis(label: "y", unit: "", scale: .logarithmic),
    series: [
      .init(
        name: "s", points: [.init(x: 0, y: 1), .init(x: 10, y: -1), .init(x: 10, y: 5), .init(x: 100, y: 50)],
        colorIndex: 1)
    ])
  let svg = chart.svg()
  #expect(ReportFixtures.count("<circle class=\"data\"", in: svg) == 2)
  #expect(!svg.contains("nan") && !svg.contains("inf"))
}

@Test func heatmapHasACellPerMeasuredPairAndGreyDiagonal() {
  let heatmap = SVGHeatmap(
    title: "bw", labels: ["0 (a)", "1 (b)", "2 (c)"],
    values: [[nil, 1.2, 0.3], [1.1, nil, 1.0], [0.31, 0.9, nil]], unit: "GB/s", higherIsBetter: true)
  let svg = heatmap.svg()
  #expect(ReportFixtures.count("<rect class=\"data\"", in: svg) == 6)
  #expect(ReportFixtures.count("<rect class=\"empty\"", in: svg) == 3)
  // The slowest link is drawn darkest.
  #expect(svg.contains("fill=\"\(SVGHeatmap.ramp.last!)\"><title>rank 0 → rank 2: 0.3 GB/s"))
}

@Test func stackedBarsStackSegmentsToTheStepTime() {
  let bars = SVGStackedBars(
    title: "step", segmentNames: ["forward", "backward"],
    bars: [.init(label: ["1"], segments: [10, 20]), .init(label: ["2"], segments: [10, 0])],
    valueAxis: ChartAxis(label: "Step time", unit: "ms"))
  let svg = bars.svg()
  #expect(ReportFixtures.count("<rect class=\"data\"", in: svg) == 3, "zero segments are not drawn")
  #expect(svg.contains("Step time (ms)"))
}
