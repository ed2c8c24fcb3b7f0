import Fitting
import Foundation
import Measurements

/// The Performance Guide as text, markdown or JSON. The table keeps the talk's layout: data
/// (samples, epochs, model), hardware (system, device, count per node, nodes, interconnect),
/// software (engine, batch, weak/strong), then the time in hours, with the band, throughput,
/// efficiency against one device, memory per device and whether it fits.
enum GuideTable {
  /// The column groups and their columns, in order.
  static let groups: [(name: String, columns: [String])] = [
    ("data", ["samples", "epochs", "model"]),
    ("hardware", ["system", "device", "count", "nodes", "interconnect"]),
    ("software", ["engine", "batch", "scaling"]),
    ("time", ["hours", "± %", "samples/s", "efficiency", "MiB/device", "fits"]),
  ]

  static var header: [String] { groups.flatMap(\.columns) }

  static func cells(_ row: PerformanceGuide.Row) -> [String] {
    [
      number(row.samples), number(row.epochs), row.model,
      row.system, row.device, "\(row.count)", "\(row.nodes)", row.interconnect,
      row.engine, "\(row.batch)", row.scaling,
      ModelsSummary.format(row.hours, row.hours >= 100 ? 1 : 2),
      row.errorPct.map { ModelsSummary.format($0, 1) } ?? "n/a",
      ModelsSummary.format(row.samplesPerS, 1),
      row.efficiency.map { ModelsSummary.format($0 * 100, 1) + "%" } ?? "n/a",
      row.memoryBytes.map { "\(Int((Double($0) / Double(1 << 20)).rounded()))" } ?? "n/a",
      row.fitsDevice.map { $0 ? "yes" : "NO" } ?? "n/a",
    ]
  }

  /// Whole numbers as the talk prints them (`100000000`), others as they are.
  static func number(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }

  /// The first line: what was asked.
  static func title(_ guide: PerformanceGuide.Result) -> String {
    let batch = guide.scaling == "weak" ? "batch \(guide.batch) per device" : "global batch \(guide.batch)"
    return "Performance Guide: \(number(guide.samples)) samples × \(number(guide.epochs)) epochs, \(batch), "
      + "\(guide.scaling) scaling, nodes \(guide.nodes.map(String.init).joined(separator: ", "))"
  }

  /// Every system's line and notes, the table, the unknown-band line and the observations.
  static func text(_ guide: PerformanceGuide.Result) -> String {
    var lines = [title(guide)]
    for system in guide.systems {
      lines.append(system.line)
      lines += system.notes.map { "  " + $0 }
    }
    lines.append("")
    lines += table(guide.rows)
    if let unknown = unknownErrors(guide.rows) { lines.append(unknown) }
    lines.append("")
    lines.append("Observations:")
    for observation in guide.observations {
      lines += observation.lines.map { "  " + $0 }
    }
    return lines.joined(separator: "\n")
  }

  /// The text table: a line of group names over their columns, then the header and rows, the
  /// groups separated by `|`.
  static func table(_ rows: [PerformanceGuide.Row]) -> [String] {
    let body = rows.map(cells)
    let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
    func line(_ cells: [String]) -> String {
      var start = 0
      return groups.map { group in
        defer { start += group.columns.count }
        return (start..<start + group.columns.count).map { column in
          String(repeating: " ", count: widths[column] - cells[column].count) + cells[column]
        }.joined(separator: "  ")
      }.joined(separator: " | ")
    }
    var start = 0
    let groupLine = groups.map { group in
      defer { start += group.columns.count }
      let width = widths[start..<start + group.columns.count].reduce(0, +) + 2 * (group.columns.count - 1)
      return group.name.padding(toLength: width, withPad: " ", startingAt: 0)
    }.joined(separator: " | ")
    return [groupLine.trimmingCharacters(in: .whitespaces), line(header)] + body.map(line)
  }

  /// The line under the table naming the terms whose error is unknown; nil when every band is known.
  static func unknownErrors(_ rows: [PerformanceGuide.Row]) -> String? {
    var terms: [String] = []
    for term in rows.flatMap(\.unknownErrors) where !terms.contains(term) { terms.append(term) }
    return terms.isEmpty ? nil : "± n/a: " + terms.joined(separator: "; ")
  }

  /// Markdown to paste into a document at any heading level (no headings of its own): the title
  /// in bold, each system with its notes, the table (the first column of each group names it:
  /// `data: samples`), the unknown-band line and the observations.
  static func markdown(_ guide: PerformanceGuide.Result) -> String {
    func escaped(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
    var lines = ["**\(escaped(title(guide)))**", ""]
    for system in guide.systems {
      lines.append("- **\(escaped(system.line))**")
      lines += system.notes.map { "  - \(escaped($0))" }
    }
    lines.append("")
    let headed = groups.flatMap { group in
      group.columns.enumerated().map { index, column in index == 0 ? "\(group.name): \(column)" : column }
    }
    lines.append("| " + headed.map(escaped).joined(separator: " | ") + " |")
    let numeric: Set<String> = [
      "samples", "epochs", "count", "nodes", "batch", "hours", "± %", "samples/s", "efficiency", "MiB/device",
    ]
    lines.append("|" + header.map { numeric.contains($0) ? "---:|" : "---|" }.joined())
    for row in guide.rows {
      lines.append("| " + cells(row).map(escaped).joined(separator: " | ") + " |")
    }
    if let unknown = unknownErrors(guide.rows) {
      lines += ["", escaped(unknown)]
    }
    lines += ["", "**Observations**", ""]
    for observation in guide.observations {
      lines.append(
        "- **\(observation.system), \(observation.kind.rawValue) (\(observation.verdict.rawValue))**: \(observation.statement)"
      )
      lines += observation.figures.map { "  - \($0.text)" }
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ guide: PerformanceGuide.Result) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(guide), as: UTF8.self)
  }

  /// Reads what `json` wrote.
  static func decode(_ text: String) throws -> PerformanceGuide.Result {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(PerformanceGuide.Result.self, from: Data(text.utf8))
  }
}
