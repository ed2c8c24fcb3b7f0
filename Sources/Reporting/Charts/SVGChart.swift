import Foundation

/// A chart of measured points and model lines on two labelled axes, drawn as inline SVG: ticks
/// and grid, log scales, optional error bands, horizontal reference lines (a link-rate ceiling)
/// and a legend under the plot.
public struct SVGChart: Sendable {
  /// How a series is drawn.
  public enum Style: Sendable {
    /// Measured: points joined by a line.
    case measured
    /// Measured points only (predicted-versus-measured).
    case points
    /// A model: a dashed line without points.
    case model
  }

  public struct Point: Sendable {
    public var x: Double
    public var y: Double
    /// The bottom and top of an error band at x, if any.
    public var low: Double?
    public var high: Double?

    public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
      self.x = x
      self.y = y
      self.low = low
      self.high = high
    }
  }

  public struct Series: Sendable {
    public var name: String
    public var points: [Point]
    public var style: Style
    /// Index into the palette, so a measurement and its model share a colour.
    public var colorIndex: Int

    public init(name: String, points: [Point], style: Style = .measured, colorIndex: Int) {
      self.name = name
      self.points = points
      self.style = style
      self.colorIndex = colorIndex
    }
  }

  /// A horizontal line across the plot (a ceiling), or the diagonal y = x.
  public enum Reference: Sendable {
    case horizontal(y: Double, label: String)
    case diagonal(label: String)
  }

  public var title: String
  public var xAxis: ChartAxis
  public var yAxis: ChartAxis
  public var series: [Series]
  public var references: [Reference]
  public var width: Double
  public var plotHeight: Double

  public init(
    title: String, xAxis: ChartAxis, yAxis: ChartAxis, series: [Series], references: [Reference] = [],
    width: Double = 500, plotHeight: Double = 250
  ) {
    self.title = title
    self.xAxis = xAxis
    self.yAxis = yAxis
    self.series = series
    self.references = references
    self.width = width
    self.plotHeight = plotHeight
  }

  /// Whether there is anything to draw.
  public var hasData: Bool { series.contains { !$0.points.isEmpty } }

  static let left = 68.0, right = 16.0, top = 14.0, axisSpace = 46.0, legendRow = 18.0

  public func svg() -> String {
    let legendEntries = series.map(\.name) + references.map(\.label)
    // Columns of 165 px, fewer when an entry needs more (about 6.5 px a character after its key).
    let longest = Double(legendEntries.map(\.count).max() ?? 0)
    let columns = max(1, Int((width - Self.left) / max(165, 24 + 6.5 * longest)))
    let legendRows = (legendEntries.count + columns - 1) / columns
    let height = Self.top + plotHeight + Self.axisSpace + Double(legendRows) * Self.legendRow + 6
    let plotWidth = width - Self.left - Self.right

    let allX = series.flatMap { $0.points.map(\.x) }
    var allY = series.flatMap { $0.points.flatMap { [$0.y] + [$0.low, $0.high].compactMap { $0 } } }
    var diagonal = false
    for reference in references {
      switch reference {
      case .horizontal(let y, _): allY.append(y)
      case .diagonal: diagonal = true
      }
    }
    var xDomain = xAxis.domain(of: allX)
    var yDomain = yAxis.domain(of: allY)
    if diagonal {
      let both = xAxis.domain(of: allX + allY)
      xDomain = both
      yDomain = both
    }
    func px(_ x: Double) -> Double { Self.left + xAxis.fraction(x, in: xDomain) * plotWidth }
    func py(_ y: Double) -> Double { Self.top + (1 - yAxis.fraction(y, in: yDomain)) * plotHeight }
    func visible(_ point: Point) -> Bool {
      point.x.isFinite && point.y.isFinite && (xAxis.scale == .linear || point.x > 0)
        && (yAxis.scale == .linear || point.y > 0)
    }

    var svg = SVGWriter()
    svg.open(width: width, height: height, label: title)
    drawAxes(&svg, xDomain: xDomain, yDomain: yDomain, plotWidth: plotWidth, px: px, py: py)

    for reference in references {
      switch reference {
      case .horizontal(let y, _):
        svg.line(x1: Self.left, y1: py(y), x2: Self.left + plotWidth, y2: py(y), className: "ceiling")
      case .diagonal:
        svg.line(
          x1: px(xDomain.lowerBound), y1: py(xDomain.lowerBound), x2: px(xDomain.upperBound),
          y2: py(xDomain.upperBound), className: "ceiling")
      }
    }
    for entry in series {
      let color = ChartPalette.color(entry.colorIndex)
      let points = entry.points.filter(visible).sorted { $0.x < $1.x }
      let band = points.filter { $0.low != nil && $0.high != nil }
      if band.count >= 2 {
        let outline = band.map { (px($0.x), py($0.high!)) } + band.reversed().map { (px($0.x), py($0.low!)) }
        svg.path(outline.map { (x: $0.0, y: $0.1) }, stroke: nil, fill: color, className: "band")
      }
      switch entry.style {
      case .measured, .model:
        if points.count >= 2 {
          svg.path(points.map { (x: px($0.x), y: py($0.y)) }, stroke: color, dashed: entry.style == .model)
        }
      case .points:
        break
      }
      if entry.style != .model || points.count == 1 {
        for point in points {
          svg.circle(
            x: px(point.x), y: py(point.y), radius: 3.2, fill: color,
            title: "\(entry.name): \(xAxis.label(for: point.x)) → \(ChartAxis.number(point.y)) \(yAxis.unit)")
        }
      }
    }
    drawLegend(&svg, entries: legendEntries, columns: columns, top: Self.top + plotHeight + Self.axisSpace)
    svg.close()
    return svg.markup
  }

  private func drawAxes(
    _ svg: inout SVGWriter, xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>, plotWidth: Double,
    px: (Double) -> Double, py: (Double) -> Double
  ) {
    let bottom = Self.top + plotHeight
    svg.rectangle(x: Self.left, y: Self.top, width: plotWidth, height: plotHeight, fill: "#ffffff", className: "frame")
    for tick in yAxis.ticks(in: yDomain, maximum: 7) {
      let y = py(tick)
      svg.line(x1: Self.left, y1: y, x2: Self.left + plotWidth, y2: y, className: "grid")
      svg.text(yAxis.label(for: tick), x: Self.left - 6, y: y + 4, anchor: .end, className: "tick")
    }
    for tick in xAxis.ticks(in: xDomain, maximum: Int(plotWidth / 55)) {
      let x = px(tick)
      svg.line(x1: x, y1: Self.top, x2: x, y2: bottom, className: "grid")
      svg.text(xAxis.label(for: tick), x: x, y: bottom + 16, anchor: .middle, className: "tick")
    }
    svg.line(x1: Self.left, y1: bottom, x2: Self.left + plotWidth, y2: bottom, className: "axis")
    svg.line(x1: Self.left, y1: Self.top, x2: Self.left, y2: bottom, className: "axis")
    svg.text(xAxis.title, x: Self.left + plotWidth / 2, y: bottom + 36, anchor: .middle, className: "axis-title")
    svg.text(yAxis.title, x: 16, y: Self.top + plotHeight / 2, anchor: .middle, className: "axis-title", rotated: true)
  }

  private func drawLegend(_ svg: inout SVGWriter, entries: [String], columns: Int, top: Double) {
    let columnWidth = (width - Self.left) / Double(columns)
    for (index, name) in entries.enumerated() {
      let x = Self.left + Double(index % columns) * columnWidth
      let y = top + Double(index / columns) * Self.legendRow + 10
      if index < series.count {
        let entry = series[index]
        let color = ChartPalette.color(entry.colorIndex)
        if entry.style == .points {
          svg.circle(x: x + 9, y: y - 4, radius: 3.5, fill: color)
        } else {
          svg.path(
            [(x: x, y: y - 4), (x: x + 18, y: y - 4)], stroke: color, dashed: entry.style == .model, className: "key")
        }
      } else {
        svg.line(x1: x, y1: y - 4, x2: x + 18, y2: y - 4, className: "ceiling")
      }
      svg.text(name, x: x + 24, y: y, className: "legend")
    }
  }
}

extension SVGChart.Reference {
  var label: String {
    switch self {
    case .horizontal(_, let label), .diagonal(let label): label
    }
  }
}
