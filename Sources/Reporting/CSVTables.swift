import Foundation
import Measurements

/// Flat tables of the records, one CSV per record kind present (allreduce.csv, p2p.csv, ...):
/// a header row, RFC 4180 quoting, CRLF line ends, nested summaries flattened (`time_us_mean`),
/// lists joined with spaces and maps written `key=value` separated by `;`.
public enum CSVTables {
  /// Columns that come first, in this order, when a kind has them.
  static let leadingColumns = [
    "kind", "run_id", "timestamp", "schema", "ranks", "hosts", "rank_hosts", "mpi_library", "dlscale_version",
  ]

  /// File name → contents.
  public static func tables(for records: [Record]) -> [(name: String, contents: String)] {
    Record.Kind.allCases.compactMap { kind in
      let rows = records.filter { $0.kind == kind }.map(flatten)
      guard !rows.isEmpty else { return nil }
      let present = Set(rows.flatMap(\.keys))
      let leading = leadingColumns.filter(present.contains)
      let columns =
        leading + present.subtracting(leading).subtracting(["command"]).sorted()
        + (present.contains("command") ? ["command"] : [])
      var text = columns.map(quote).joined(separator: ",") + "\r\n"
      for row in rows {
        text += columns.map { quote(row[$0] ?? "") }.joined(separator: ",") + "\r\n"
      }
      return ("\(kind.rawValue).csv", text)
    }
  }

  /// One record as column → text, from its JSON form so that every field appears.
  static func flatten(_ record: Record) -> [String: String] {
    guard let line = try? record.jsonLine(),
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else {
      return [:]
    }
    var row: [String: String] = [:]
    for (key, value) in object {
      if let nested = value as? [String: Any] {
        if key == "parameters" {
          row[key] = nested.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ";")
        } else {
          for (inner, innerValue) in nested { row["\(key)_\(inner)"] = text(innerValue) }
        }
      } else {
        row[key] = text(value)
      }
    }
    return row
  }

  static func text(_ value: Any) -> String {
    switch value {
    case let string as String: return string
    case let array as [Any]: return array.map(text).joined(separator: " ")
    case let number as NSNumber:
      // JSON numbers keep their shortest exact form; integers stay integers.
      let double = number.doubleValue
      if double == double.rounded(), abs(double) < 1e15, !"\(number)".contains(".") { return String(Int64(double)) }
      return "\(double)"
    case is NSNull: return ""
    default: return "\(value)"
    }
  }

  /// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
  static func quote(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
