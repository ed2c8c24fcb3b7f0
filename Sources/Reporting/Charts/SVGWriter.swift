import Foundation

/// Builds SVG markup as text. Every string that comes from data passes through `escape`, so a
/// host or model name can never open an element of its own.
struct SVGWriter {
  private(set) var markup = ""

  /// XML escaping for text content and attribute values.
  static func escape(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      default: result.append(character)
      }
    }
    return result
  }

  /// A coordinate with two decimals, enough for a screen and short in the file.
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
  }

  mutating func open(width: Double, height: Double, label: String) {
    markup += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" "
    markup += "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" "
    markup += "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
    markup += "aria-label=\"\(Self.escape(label))\">"
    markup += "<title>\(Self.escape(label))</title>"
  }

  mutating func close() { markup += "</svg>" }

  mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, className: String, stroke: String? = nil) {
    markup += "<line class=\"\(className)\" x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" "
    markup += "x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\""
    if let stroke { markup += " stroke=\"\(stroke)\"" }
    markup += "/>"
  }

  mutating func rectangle(
    x: Double, y: Double, width: Double, height: Double, fill: String, className: String = "data", title: String? = nil
  ) {
    markup += "<rect class=\"\(className)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" "
    markup += "width=\"\(Self.number(max(0, width)))\" height=\"\(Self.number(max(0, height)))\" fill=\"\(fill)\""
    if let title {
      markup += "><title>\(Self.escape(title))</title></rect>"
    } else {
      markup += "/>"
    }
  }

  mutating func circle(x: Double, y: Double, radius: Double, fill: String, title: String? = nil) {
    markup +=
      "<circle class=\"data\" cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
    if let title {
      markup += "><title>\(Self.escape(title))</title></circle>"
    } else {
      markup += "/>"
    }
  }

  /// A polyline as a path (`M x y L x y ...`); `closed` fills it (error bands).
  mutating func path(
    _ points: [(x: Double, y: Double)], stroke: String?, fill: String? = nil, dashed: Bool = false,
    className: String = "data"
  ) {
    guard let first = points.first else { return }
    var data = "M\(Self.number(first.x)) \(Self.number(first.y))"
    for point in points.dropFirst() { data += " L\(Self.number(point.x)) \(Self.number(point.y))" }
    if fill != nil { data += " Z" }
    markup += "<path class=\"\(className)\" d=\"\(data)\" fill=\"\(fill ?? "none")\""
    if let stroke { markup += " stroke=\"\(stroke)\" stroke-width=\"2\"" }
    if dashed { markup += " stroke-dasharray=\"6 4\"" }
    if fill != nil { markup += " fill-opacity=\"0.18\"" }
    markup += "/>"
  }

  enum Anchor: String { case start, middle, end }

  mutating func text(
    _ content: String, x: Double, y: Double, anchor: Anchor = .start, className: String = "label",
    rotated: Bool = false,
    fill: String? = nil
  ) {
    markup +=
      "<text class=\"\(className)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor.rawValue)\""
    if rotated { markup += " transform=\"rotate(-90 \(Self.number(x)) \(Self.number(y)))\"" }
    if let fill { markup += " fill=\"\(fill)\"" }
    markup += ">\(Self.escape(content))</text>"
  }
}

/// The colours of the series, in order (a palette that stays distinct for colour-blind readers).
enum ChartPalette {
  static let colors = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  static func color(_ index: Int) -> String { colors[index % colors.count] }
}
