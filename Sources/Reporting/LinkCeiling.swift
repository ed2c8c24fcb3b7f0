/// A link's rate given on the command line, `tc`-style (`200mbit`, `1gbit`, `500kbit`, decimals
/// allowed), as the ceiling a bus bandwidth can reach.
public struct LinkCeiling: Sendable, Equatable {
  public var bytesPerSecond: Double

  public init(bytesPerSecond: Double) {
    self.bytesPerSecond = bytesPerSecond
  }

  public struct ParseError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var description: String {
      "invalid link rate '\(text)': expected a number and kbit, mbit or gbit (e.g. 200mbit)"
    }
  }

  public init(parsing text: String) throws(ParseError) {
    let lowered = text.lowercased().filter { !$0.isWhitespace }
    let units: [(String, Double)] = [("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9)]
    guard let unit = units.first(where: { lowered.hasSuffix($0.0) }),
      let number = Double(lowered.dropLast(unit.0.count)), number > 0, number.isFinite
    else { throw ParseError(text: text) }
    bytesPerSecond = number * unit.1 / 8
  }

  /// "25 MB/s" (decimal units, as link rates are written).
  public var text: String { Self.rate(bytesPerSecond) }

  static func rate(_ bytesPerSecond: Double) -> String {
    if bytesPerSecond >= 1e9 { return ChartAxis.trimmed(bytesPerSecond / 1e9) + " GB/s" }
    if bytesPerSecond >= 1e6 { return ChartAxis.trimmed(bytesPerSecond / 1e6) + " MB/s" }
    return ChartAxis.trimmed(bytesPerSecond / 1e3) + " kB/s"
  }
}
