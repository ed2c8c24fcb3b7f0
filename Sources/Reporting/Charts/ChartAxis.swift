import Foundation

/// One axis of a chart: its quantity and unit, its scale (linear, or logarithmic where values
/// span decades) and the ticks and labels drawn along it.
public struct ChartAxis: Sendable {
  public enum Scale: Sendable {
    /// Ticks at 1, 2, 5 × 10^k.
    case linear
    /// Ticks at powers of ten.
    case logarithmic
    /// Ticks at powers of two (byte sizes, rank counts).
    case binaryLogarithmic
  }

  /// How tick values are written.
  public enum Format: Sendable {
    case number
    case bytes
    case integer
    case percent
  }

  public var label: String
  public var unit: String
  public var scale: Scale
  public var format: Format
  /// Forces the range to include this value (0 for bars, 1 for efficiency).
  public var including: [Double]

  public init(label: String, unit: String, scale: Scale = .linear, format: Format = .number, including: [Double] = []) {
    self.label = label
    self.unit = unit
    self.scale = scale
    self.format = format
    self.including = including
  }

  /// "Latency (µs)".
  public var title: String { unit.isEmpty ? label : "\(label) (\(unit))" }

  /// The data range extended to round tick values; positive values only on log scales.
  func domain(of values: [Double]) -> ClosedRange<Double> {
    var usable = (values + including).filter { $0.isFinite }
    if scale != .linear { usable = usable.filter { $0 > 0 } }
    guard var low = usable.min(), var high = usable.max() else { return scale == .linear ? 0...1 : 1...10 }
    switch scale {
    case .linear:
      if low == high {
        low -= 1
        high += 1
      }
      let step = Self.niceStep((high - low) / 5)
      return (low / step).rounded(.down) * step...(high / step).rounded(.up) * step
    case .logarithmic:
      if low == high {
        low /= 10
        high *= 10
      }
      return pow(10, log10(low).rounded(.down))...pow(10, log10(high).rounded(.up))
    case .binaryLogarithmic:
      if low == high {
        low /= 2
        high *= 2
      }
      return pow(2, log2(low).rounded(.down))...pow(2, log2(high).rounded(.up))
    }
  }

  /// Where `value` falls in `domain`, 0...1 (outside for values beyond it).
  func fraction(_ value: Double, in domain: ClosedRange<Double>) -> Double {
    switch scale {
    case .linear:
      return (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
    case .logarithmic, .binaryLogarithmic:
      guard value > 0 else { return -1 }
      return log(value / domain.lowerBound) / log(domain.upperBound / domain.lowerBound)
    }
  }

  /// Tick values inside `domain`, at most about `maximum` of them.
  func ticks(in domain: ClosedRange<Double>, maximum: Int = 8) -> [Double] {
    switch scale {
    case .linear:
      let step = Self.niceStep((domain.upperBound - domain.lowerBound) / Double(max(1, maximum - 2)))
      // Multiples of the step, each computed from its index so that no error accumulates; the
      // decimal rounding keeps 0.6 from printing as 0.6000000000000001.
      let first = Int((domain.lowerBound / step).rounded(.up))
      let last = Int((domain.upperBound / step + 1e-9).rounded(.down))
      guard first <= last else { return [] }
      let decimals = max(0, -Int(log10(step).rounded(.down)))
      let scale = pow(10, Double(decimals))
      return (first...last).map { (Double($0) * step * scale).rounded() / scale }
    case .logarithmic, .binaryLogarithmic:
      let base = scale == .logarithmic ? 10.0 : 2.0
      let lowPower = Int((log(domain.lowerBound) / log(base)).rounded())
      let highPower = Int((log(domain.upperBound) / log(base)).rounded())
      let count = highPower - lowPower + 1
      let stride = max(1, Int((Double(count) / Double(maximum)).rounded(.up)))
      return Swift.stride(from: lowPower, through: highPower, by: stride).map { pow(base, Double($0)) }
    }
  }

  /// 1, 2 or 5 × 10^k, the smallest not below `rough`.
  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0, rough.isFinite else { return 1 }
    let magnitude = pow(10, log10(rough).rounded(.down))
    for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= rough * (1 - 1e-12) { return multiple * magnitude }
    return 10 * magnitude
  }

  func label(for value: Double) -> String {
    switch format {
    case .bytes: return Self.bytes(value)
    case .integer: return String(Int(value.rounded()))
    case .percent: return "\(Int((value * 100).rounded()))%"
    case .number: return Self.number(value)
    }
  }

  /// Compact numbers: 1e-3 → 0.001, 25000 → 25k, 1e7 → 10M.
  static func number(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 1e9 { return trimmed(value / 1e9) + "G" }
    if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
    if magnitude >= 1e4 { return trimmed(value / 1e3) + "k" }
    if magnitude >= 1 { return trimmed(value) }
    return String(format: "%.3g", value)
  }

  static func trimmed(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.3g", value)
  }

  /// Powers of two as B, KiB, MiB, GiB.
  static func bytes(_ value: Double) -> String {
    for (unit, scale) in [("GiB", 1073741824.0), ("MiB", 1048576.0), ("KiB", 1024.0)] where value >= scale {
      return trimmed(value / scale) + " " + unit
    }
    return trimmed(value) + " B"
  }
}
