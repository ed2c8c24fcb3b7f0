/// Byte counts as people write them: `8`, `4K`/`4KiB`, `1M`/`1MiB`, `1G`/`1GiB` (powers of two);
/// `A:B` is a doubling range and `A,B,C` a list (docs/ARCHITECTURE.md, "Command-line contract").
public enum ByteSize {
  /// A size string that could not be read; its description is the one line a user sees.
  public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid size '\(text)': \(reason)" }
  }

  private static let suffixes: [(String, Int)] = [
    ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30),
    ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30), ("b", 1),
  ]

  /// Parses one size such as `64MiB`.
  public static func parse(_ text: String) throws(ParseError) -> Int {
    let trimmed = text.filter { !$0.isWhitespace }
    guard !trimmed.isEmpty else { throw ParseError(text: text, reason: "empty") }
    let lower = trimmed.lowercased()
    let digits = lower.prefix { $0.isASCII && $0.isNumber }
    let suffix = String(lower.dropFirst(digits.count))
    guard !digits.isEmpty else { throw ParseError(text: text, reason: "expected a number, e.g. 4KiB") }
    guard let value = Int(digits) else { throw ParseError(text: text, reason: "number too large") }
    var multiplier = 1
    if !suffix.isEmpty {
      guard let match = suffixes.first(where: { $0.0 == suffix }) else {
        throw ParseError(text: text, reason: "unknown unit '\(suffix)' (use B, K/KiB, M/MiB or G/GiB)")
      }
      multiplier = match.1
    }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    guard !overflow else { throw ParseError(text: text, reason: "too large") }
    return product
  }

  /// Parses a size list: `A:B` (every power-of-two multiple of A up to B), `A,B,C`, or a mix.
  public static func parseList(_ text: String) throws(ParseError) -> [Int] {
    var result: [Int] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = item.split(separator: ":", omittingEmptySubsequences: false)
      switch parts.count {
      case 1:
        result.append(try parse(String(parts[0])))
      case 2:
        let low = try parse(String(parts[0]))
        let high = try parse(String(parts[1]))
        guard low <= high else { throw ParseError(text: String(item), reason: "range start exceeds its end") }
        var size = low
        result.append(size)
        if size == 0 { size = 1 } else { size *= 2 }
        while size <= high {
          result.append(size)
          if size > high / 2 { break }
          size *= 2
        }
      default:
        throw ParseError(text: String(item), reason: "a range is A:B")
      }
    }
    return result
  }

  /// `65536` → `64KiB`; exact multiples only use a unit, otherwise bytes.
  public static func format(_ bytes: Int) -> String {
    for (unit, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
    where bytes >= scale && bytes % scale == 0 {
      return "\(bytes / scale)\(unit)"
    }
    return "\(bytes)B"
  }
}
