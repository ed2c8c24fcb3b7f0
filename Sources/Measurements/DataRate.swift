import Foundation

/// A data rate as people who work with networks write it, read the same way by every command
/// that takes one. Bits per second: a lower-case `b` or the word `bit` (`100gbit`, `100Gbps`,
/// `100Gb/s`, `100gbit/s`, `200mbit`, `1gbps`). Bytes per second: a capital `B` (`12.5GB/s`,
/// `12.5GBps`, `500MB/s`). Prefixes are decimal: k, M, G, T (either case).
public struct DataRate: Equatable, Comparable, Sendable, CustomStringConvertible {
  public var bitsPerSecond: Double

  public var bytesPerSecond: Double { bitsPerSecond / 8 }

  public init(bitsPerSecond: Double) {
    self.bitsPerSecond = bitsPerSecond
  }

  public init(bytesPerSecond: Double) {
    self.bitsPerSecond = bytesPerSecond * 8
  }

  /// The forms a rate may take, for the one line a user sees when a rate cannot be read.
  public static let acceptedForms =
    "a positive number and a unit: bits per second as 100gbit, 100Gbps, 100Gb/s or 100gbit/s, "
    + "bytes per second as 12.5GB/s or 12.5GBps (prefixes k, M, G, T)"

  /// A rate that could not be read; its description is the one line a user sees.
  public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var description: String { "invalid rate '\(text)': expected \(DataRate.acceptedForms)" }
  }

  private static let prefixes: [Character: Double] = ["k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12]

  /// Reads one rate such as `100Gbps` or `12.5GB/s` (spaces anywhere are ignored).
  public init(parsing text: String) throws(ParseError) {
    let compact = text.filter { !$0.isWhitespace }
    guard let (value, unit) = UnitNumber.split(compact), value > 0 else { throw ParseError(text: text) }
    var base = Substring(unit)
    var perSecond = false
    for suffix in ["/s", "ps"] where base.hasSuffix(suffix) {
      base = base.dropLast(suffix.count)
      perSecond = true
      break
    }
    var scale = 1.0
    if base.count > 1, let first = base.first, let multiplier = Self.prefixes[Character(first.lowercased())] {
      scale = multiplier
      base = base.dropFirst()
    }
    let bitsPerUnit: Double
    switch base {
    case _ where base.lowercased() == "bit": bitsPerUnit = 1
    case "b" where perSecond: bitsPerUnit = 1
    case "B" where perSecond: bitsPerUnit = 8
    default: throw ParseError(text: text)
    }
    bitsPerSecond = value * scale * bitsPerUnit
  }

  /// `100 Gbit/s`.
  public var bitsText: String { Self.scaled(bitsPerSecond, units: ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"]) }

  /// `12.5 GB/s`.
  public var bytesText: String { Self.scaled(bytesPerSecond, units: ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"]) }

  /// Both readings, so that a user sees how the rate was taken: `100 Gbit/s = 12.5 GB/s`.
  public var description: String { "\(bitsText) = \(bytesText)" }

  public static func < (lhs: DataRate, rhs: DataRate) -> Bool { lhs.bitsPerSecond < rhs.bitsPerSecond }

  /// `value` in the largest decimal unit it reaches, to three significant digits.
  private static func scaled(_ value: Double, units: [String]) -> String {
    var scaled = value
    var index = 0
    while index < units.count - 1 && abs(scaled) >= 1000 {
      scaled /= 1000
      index += 1
    }
    return "\(UnitNumber.format(scaled)) \(units[index])"
  }
}
