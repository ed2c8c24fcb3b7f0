import Foundation

/// The number in front of a unit, shared by the rate and duration parsers: a decimal number
/// (`12.5`, `1e3`) followed directly by its unit (`GB/s`, `us`).
enum UnitNumber {
  /// Splits `12.5GB/s` into (12.5, "GB/s"); nil when no finite number leads the text.
  static func split(_ text: String) -> (Double, String)? {
    var end = text.startIndex
    func advance(while accepts: (Character) -> Bool) {
      while end < text.endIndex, accepts(text[end]) { end = text.index(after: end) }
    }
    let isDigit = { (c: Character) in c.isASCII && c.isNumber }
    advance { isDigit($0) || $0 == "." }
    // An exponent only when digits follow it: no unit begins with e.
    if end < text.endIndex, text[end] == "e" || text[end] == "E" {
      var exponent = text.index(after: end)
      if exponent < text.endIndex, text[exponent] == "+" || text[exponent] == "-" {
        exponent = text.index(after: exponent)
      }
      if exponent < text.endIndex, isDigit(text[exponent]) {
        end = exponent
        advance(while: isDigit)
      }
    }
    guard let value = Double(text[..<end]), value.isFinite else { return nil }
    return (value, String(text[end...]))
  }

  /// Three significant digits, no trailing zeros: `12.5`, `100`, `1.56`.
  static func format(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    return String(format: "%.3g", value)
  }
}
