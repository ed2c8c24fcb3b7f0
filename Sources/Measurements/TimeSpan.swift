/// A duration as a person writes one on the command line: a number and a time unit (`5us`,
/// `0.2ms`, `1s`, `100ns`; `µs` for `us`).
public enum TimeSpan {
  /// The forms a duration may take, for the one line a user sees when one cannot be read.
  public static let acceptedForms = "a number and a time unit: ns, us (or µs), ms or s, e.g. 5us, 0.2ms or 1s"

  /// A duration that could not be read; its description is the one line a user sees.
  public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var description: String { "invalid duration '\(text)': expected \(TimeSpan.acceptedForms)" }
  }

  private static let units: [String: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1]

  /// Seconds in `text`, which may be zero but not negative.
  public static func seconds(parsing text: String) throws(ParseError) -> Double {
    let compact = text.filter { !$0.isWhitespace }
    guard let (value, unit) = UnitNumber.split(compact), value >= 0, let scale = units[unit.lowercased()] else {
      throw ParseError(text: text)
    }
    return value * scale
  }

  /// `5e-6` → `5 us`: the largest unit the value reaches, to three significant digits.
  public static func format(seconds: Double) -> String {
    for (unit, scale) in [("s", 1.0), ("ms", 1e-3), ("us", 1e-6)] where abs(seconds) >= scale {
      return "\(UnitNumber.format(seconds / scale)) \(unit)"
    }
    return "\(UnitNumber.format(seconds / 1e-9)) ns"
  }
}
