import Foundation

/// A FLOP rate as spec sheets write it: `10.6TFLOP/s`, `10.6 TFLOPS`, `19.5e12` (FLOP/s).
public enum FlopRate {
  public static let acceptedForms =
    "a positive number and a unit: FLOP/s or FLOPS with k, M, G, T or P, e.g. 10.6TFLOP/s"

  public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var description: String { "invalid FLOP rate '\(text)': expected \(FlopRate.acceptedForms)" }
  }

  private static let prefixes: [String: Double] = ["": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15]

  public static func parse(_ text: String) throws(ParseError) -> Double {
    let compact = text.filter { !$0.isWhitespace }
    if let plain = Double(compact), plain > 0, plain.isFinite { return plain }
    guard let (value, unit) = UnitNumber.split(compact), value > 0 else { throw ParseError(text: text) }
    let lowered = unit.lowercased()
    for suffix in ["flop/s", "flops"] where lowered.hasSuffix(suffix) {
      if let scale = prefixes[String(lowered.dropLast(suffix.count))] { return value * scale }
    }
    throw ParseError(text: text)
  }

  /// `1.06e13` → `10.6 TFLOP/s`.
  public static func format(_ flops: Double) -> String {
    for (unit, scale) in [("PFLOP/s", 1e15), ("TFLOP/s", 1e12), ("GFLOP/s", 1e9), ("MFLOP/s", 1e6)]
    where flops >= scale {
      return "\(UnitNumber.format(flops / scale)) \(unit)"
    }
    return "\(UnitNumber.format(flops)) FLOP/s"
  }
}
