/// A link rate written the way `tc` writes it: a whole number and `kbit`, `mbit` or `gbit`
/// (`200mbit`, `1gbit`), with its value in bits per second.
struct LinkRate: Equatable, Sendable, CustomStringConvertible {
  /// The text as given, in lower case; this is what `tc` receives.
  var text: String
  var bitsPerSecond: Int

  /// Bytes per second (1 byte = 8 bits).
  var bytesPerSecond: Double { Double(bitsPerSecond) / 8 }

  var description: String { text }

  struct ParseError: Error, CustomStringConvertible, Equatable {
    var text: String
    var description: String {
      "invalid rate '\(text)': expected a whole number and kbit, mbit or gbit (e.g. 200mbit, 1gbit)"
    }
  }

  private static let units: [(suffix: String, bitsPerUnit: Int)] = [
    ("kbit", 1_000), ("mbit", 1_000_000), ("gbit", 1_000_000_000),
  ]

  /// The largest number before the unit; matches what scripts/cluster.sh accepts.
  private static let maximumDigits = 7

  init(parsing text: String) throws(ParseError) {
    let lowered = text.lowercased()
    guard let unit = Self.units.first(where: { lowered.hasSuffix($0.suffix) }) else {
      throw ParseError(text: text)
    }
    let digits = lowered.dropLast(unit.suffix.count)
    guard !digits.isEmpty, digits.count <= Self.maximumDigits, digits.first != "0",
      digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits)
    else { throw ParseError(text: text) }
    self.text = lowered
    self.bitsPerSecond = number * unit.bitsPerUnit
  }
}
