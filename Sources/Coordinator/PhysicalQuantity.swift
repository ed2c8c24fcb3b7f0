/// Rates, durations and counts as a person writes them on the command line for `predict` and
/// `optimize`: link rates in tc's units (`10gbit`, `200mbit`, `1000kbit`, `bit` per second;
/// `mbps`/`gbps` are bytes per second), latencies with a time unit (`5us`, `0.2ms`, `1s`,
/// `100ns`), counts in floating-point notation (`1e8`), and comma-separated lists.
enum PhysicalQuantity {
  /// A value that could not be read; its description is the one line a user sees.
  struct ParseError: Error, CustomStringConvertible {
    var option: String
    var text: String
    var expected: String
    var description: String { "invalid \(option) '\(text)': expected \(expected)" }
  }

  /// Splits a number from its unit suffix: `10gbit` → (10, "gbit").
  static func split(_ text: String) -> (Double, String)? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    let number = trimmed.prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" || $0 == "+" }
    // "e" may begin a unit only when no digit follows it; no unit here starts with e.
    guard let value = Double(number), value.isFinite else { return nil }
    return (value, String(trimmed.dropFirst(number.count)))
  }

  /// Bytes per second.
  static func linkRate(_ text: String) throws -> Double {
    let units: [String: Double] = [
      "bit": 1.0 / 8, "kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8, "tbit": 1e12 / 8,
      "bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9,
    ]
    guard let (value, unit) = split(text), let scale = units[unit], value > 0 else {
      throw ParseError(
        option: "--link-rate", text: text, expected: "a positive rate such as 10gbit, 200mbit or 1gbps (bytes/s)")
    }
    return value * scale
  }

  /// Seconds.
  static func duration(_ text: String, option: String = "--latency") throws -> Double {
    let units: [String: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1]
    guard let (value, unit) = split(text), let scale = units[unit], value >= 0 else {
      throw ParseError(option: option, text: text, expected: "a time such as 5us, 0.2ms or 1s")
    }
    return value * scale
  }

  static func positiveNumber(_ text: String, option: String) throws -> Double {
    guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
      throw ParseError(option: option, text: text, expected: "a positive number such as 1e8")
    }
    return value
  }

  static func positiveIntegers(_ text: String, option: String) throws -> [Int] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false)
    let values = items.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    guard !items.isEmpty, values.count == items.count else {
      throw ParseError(option: option, text: text, expected: "positive integers separated by commas, e.g. 1,2,4,8")
    }
    return values
  }
}
