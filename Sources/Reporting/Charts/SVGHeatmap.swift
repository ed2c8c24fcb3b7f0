import Foundation

/// A square matrix of values (point-to-point latency or bandwidth, rank by rank) as coloured
/// cells with the value written in each, row and column labels, and a colour key.
public struct SVGHeatmap: Sendable {
  public var title: String
  /// "from rank" labels, top to bottom; the same ranks label the columns.
  public var labels: [String]
  /// values[row][column]; nil where nothing was measured (the diagonal).
  public var values: [[Double?]]
  public var unit: String
  /// True when a higher value is better (bandwidth): then low values are drawn dark.
  public var higherIsBetter: Bool

  public init(title: String, labels: [String], values: [[Double?]], unit: String, higherIsBetter: Bool) {
    self.title = title
    self.labels = labels
    self.values = values
    self.unit = unit
    self.higherIsBetter = higherIsBetter
  }

  public var hasData: Bool { values.contains { $0.contains { $0 != nil } } }

  /// Light to dark: the darker a cell, the worse the link.
  static let ramp = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]

  public func svg() -> String {
    let count = labels.count
    let left = 150.0
    let top = 40.0
    let cell = max(34, min(64, 360 / Double(max(1, count))))
    let width = left + cell * Double(count) + 20
    let height = top + cell * Double(count) + 62
    let present = values.flatMap { $0.compactMap { $0 } }
    let low = present.min() ?? 0
    let high = present.max() ?? 1

    var svg = SVGWriter()
    svg.open(width: max(width, 380), height: height, label: title)
    svg.text("to rank →", x: left + cell * Double(count) / 2, y: 14, anchor: .middle, className: "axis-title")
    for (column, label) in labels.enumerated() {
      svg.text(
        label.components(separatedBy: " ").first ?? label, x: left + cell * (Double(column) + 0.5), y: top - 8,
        anchor: .middle, className: "tick")
    }
    for (row, label) in labels.enumerated() {
      let y = top + cell * Double(row)
      svg.text(label, x: left - 8, y: y + cell / 2 + 4, anchor: .end, className: "tick")
      for column in 0..<count {
        let x = left + cell * Double(column)
        guard row < values.count, column < values[row].count, let value = values[row][column] else {
          svg.rectangle(x: x, y: y, width: cell - 2, height: cell - 2, fill: "#eeeeee", className: "empty")
          continue
        }
        let shade = shadeIndex(value, low: low, high: high)
        svg.rectangle(
          x: x, y: y, width: cell - 2, height: cell - 2, fill: Self.ramp[shade],
          title: "rank \(row) → rank \(column): \(ChartAxis.number(value)) \(unit)")
        svg.text(
          ChartAxis.number(value), x: x + (cell - 2) / 2, y: y + cell / 2 + 3, anchor: .middle, className: "cell",
          fill: shade >= 3 ? "#ffffff" : "#111111")
      }
    }
    svg.text(
      "from rank ↓", x: 14, y: top + cell * Double(count) / 2, anchor: .middle, className: "axis-title", rotated: true)
    // Colour key.
    let keyTop = top + cell * Double(count) + 18
    let key = higherIsBetter ? Array(Self.ramp.reversed()) : Self.ramp
    for (index, color) in key.enumerated() {
      svg.rectangle(x: left + Double(index) * 24, y: keyTop, width: 24, height: 12, fill: color, className: "key")
    }
    svg.text("\(ChartAxis.number(low)) \(unit)", x: left - 6, y: keyTop + 10, anchor: .end, className: "legend")
    svg.text(
      "\(ChartAxis.number(high)) \(unit)", x: left + 24 * Double(key.count) + 6, y: keyTop + 10, className: "legend")
    svg.text(
      higherIsBetter ? "darker = slower link" : "darker = higher latency", x: left, y: keyTop + 30, className: "legend")
    svg.close()
    return svg.markup
  }

  /// 0 (best) ... 4 (worst), by position between the lowest and highest value.
  private func shadeIndex(_ value: Double, low: Double, high: Double) -> Int {
    guard high > low else { return 1 }
    var fraction = (value - low) / (high - low)
    if higherIsBetter { fraction = 1 - fraction }
    return min(Self.ramp.count - 1, max(0, Int(fraction * Double(Self.ramp.count - 1) + 0.5)))
  }
}
