import Foundation

/// A fixed-width text table in the style of OSU's and nccl-tests' output.
struct Table {
  let columns: [(String, Int)]

  var header: String { "#" + row(columns.map(\.0)).dropFirst() }

  func row(_ cells: [String]) -> String {
    zip(cells, columns).map { pad($0, $1.1) }.joined()
  }
}

/// Right-aligns `text` in `width` characters (never truncates).
func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String {
  String(format: "%.\(digits)f", value)
}
