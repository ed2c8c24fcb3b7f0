import Foundation

/// Bars made of stacked segments (a training step: forward, backward, exposed communication,
/// update), one bar per category, with a value axis, category labels and a legend.
public struct SVGStackedBars: Sendable {
  public struct Bar: Sendable {
    /// Written under the bar, one string per line.
    public var label: [String]
    /// One value per segment name, same order.
    public var segments: [Double]

    public init(label: [String], segments: [Double]) {
      self.label = label
      self.segments = segments
    }
  }

  public var title: String
  public var segmentNames: [String]
  public var bars: [Bar]
  public var valueAxis: ChartAxis
  public var width: Double

  public init(title: String, segmentNames: [String], bars: [Bar], valueAxis: ChartAxis, width: Double = 500) {
    self.title = title
    self.segmentNames = segmentNames
    self.bars = bars
    self.valueAxis = valueAxis
    self.width = width
  }

  public var hasData: Bool { bars.contains { $0.segments.contains { $0 > 0 } } }

  static let segmentColors = ["#4c78a8", "#72b7b2", "#e45756", "#b279a2", "#f58518", "#54a24b"]

  public func svg() -> String {
    let left = 68.0
    let right = 16.0
    let top = 14.0
    let plotHeight = 230.0
    let labelLines = Double(bars.map(\.label.count).max() ?? 1)
    let height = top + plotHeight + 16 * labelLines + 30 + 24
    let plotWidth = width - left - right
    var axis = valueAxis
    axis.scale = .linear
    axis.including.append(0)
    let domain = axis.domain(of: bars.map { $0.segments.reduce(0, +) })
    func py(_ value: Double) -> Double { top + (1 - axis.fraction(value, in: domain)) * plotHeight }

    var svg = SVGWriter()
    svg.open(width: width, height: height, label: title)
    svg.rectangle(x: left, y: top, width: plotWidth, height: plotHeight, fill: "#ffffff", className: "frame")
    for tick in axis.ticks(in: domain, maximum: 7) {
      svg.line(x1: left, y1: py(tick), x2: left + plotWidth, y2: py(tick), className: "grid")
      svg.text(axis.label(for: tick), x: left - 6, y: py(tick) + 4, anchor: .end, className: "tick")
    }
    let slot = plotWidth / Double(max(1, bars.count))
    let barWidth = min(48, slot * 0.7)
    for (index, bar) in bars.enumerated() {
      let x = left + slot * (Double(index) + 0.5) - barWidth / 2
      var base = 0.0
      for (segment, value) in bar.segments.enumerated() where value > 0 {
        let name = segment < segmentNames.count ? segmentNames[segment] : "segment \(segment)"
        svg.rectangle(
          x: x, y: py(base + value), width: barWidth, height: py(base) - py(base + value),
          fill: Self.segmentColors[segment % Self.segmentColors.count],
          title: "\(bar.label.joined(separator: " ")): \(name) \(ChartAxis.number(value)) \(axis.unit)")
        base += value
      }
      for (line, text) in bar.label.enumerated() {
        svg.text(
          text, x: x + barWidth / 2, y: top + plotHeight + 16 + 14 * Double(line), anchor: .middle, className: "tick")
      }
    }
    svg.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, className: "axis")
    svg.line(x1: left, y1: top, x2: left, y2: top + plotHeight, className: "axis")
    svg.text(axis.title, x: 16, y: top + plotHeight / 2, anchor: .middle, className: "axis-title", rotated: true)
    let legendY = height - 10
    var x = left
    for (index, name) in segmentNames.enumerated() {
      svg.rectangle(
        x: x, y: legendY - 10, width: 12, height: 12, fill: Self.segmentColors[index % Self.segmentColors.count],
        className: "key")
      svg.text(name, x: x + 17, y: legendY, className: "legend")
      x += 17 + 7 * Double(name.count) + 16
    }
    svg.close()
    return svg.markup
  }
}
