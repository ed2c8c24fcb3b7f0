/// Counts as a person writes them on the command line for `predict` and `optimize`: amounts in
/// floating-point notation (`1e8`) and comma-separated lists. Rates and durations have their
/// units and are read by `UnitArgument`.
enum PhysicalQuantity {
  /// A value that could not be read; its description is the one line a user sees.
  struct ParseError: Error, CustomStringConvertible {
    var option: String
    var text: String
    var expected: String
    var description: String { "invalid \(option) '\(text)': expected \(expected)" }
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
