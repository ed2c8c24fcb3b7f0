import Foundation

/// The report's findings as markdown (summary.md): the observations as a list and the same
/// tables as the HTML page, for a terminal or a pull request.
extension ScalingReport {
  public func markdownSummary() -> String {
    var text = "# dlscale scaling report\n\n\(summaryLine)\n\n"
    text += "## Time to train: \(Self.markdownEscape(timeToTrain.workload.text))\n\n"
    text += Self.markdownEscape(timeToTrain.lead) + "\n"
    if timeToTrain.blocks.isEmpty { text += "\nNo train records: nothing to answer with.\n" }
    for block in timeToTrain.blocks {
      text += "\n" + Self.markdownTable(TimeToTrain.table(block), level: "###")
      if !block.notes.isEmpty {
        text += "\n" + block.notes.map { "- " + Self.markdownEscape($0) + "\n" }.joined()
      }
    }
    text += "\n## Findings\n\n"
    if observations.items.isEmpty { text += "No findings: the results hold no measurements to compare.\n" }
    for item in observations.items {
      text +=
        "- \(item.needsAttention ? "**\(Self.markdownEscape(item.topic))**" : Self.markdownEscape(item.topic)): \(Self.markdownEscape(item.text))\n"
    }
    var tables: [ReportTable] = []
    // The short form of the allreduce detail: one row per algorithm and rank count (the findings
    // name the fastest by size; index.html has the curves).
    if !allreduce.isEmpty { tables.append(allreduceTable) }
    if let linkTable { tables.append(linkTable) }
    if !scaling.isEmpty { tables.append(trainingTable) }
    if let engineTable { tables.append(engineTable) }
    if let modelTable { tables.append(modelTable) }
    for comparison in [("allreduce", communicationComparisons), ("training", trainingComparisons)]
    where !comparison.1.isEmpty {
      tables.append(
        ReportTable(
          title: "Predicted vs measured: \(comparison.0)", headers: ["point", "measured", "predicted", "error"],
          rows: comparison.1.map {
            [
              $0.label, ChartAxis.number($0.measured), ChartAxis.number($0.predicted),
              Observations.fixed(($0.predicted - $0.measured) / $0.measured * 100, 1) + "%",
            ]
          }))
    }
    if !failures.isEmpty { tables.append(failureTable) }
    tables.append(
      ReportTable(
        title: "Run metadata", headers: ["", ""],
        rows: [
          ["hosts", metadata.hosts.joined(separator: ", ")],
          ["MPI library", metadata.mpiLibraries.joined(separator: "; ")],
          ["dlscale version", metadata.versions.joined(separator: ", ")],
          ["link rate", ceiling?.description ?? "not given"],
        ]))
    tables.append(runTable)
    for table in tables where !table.rows.isEmpty { text += "\n" + Self.markdownTable(table, level: "##") }
    return text
  }

  /// A table under a heading of `level` ("##").
  static func markdownTable(_ table: ReportTable, level: String) -> String {
    var text = "\(level) \(markdownEscape(table.title))\n\n"
    text += "| " + table.headers.map(markdownEscape).joined(separator: " | ") + " |\n"
    text += "|" + table.headers.map { _ in " --- |" }.joined() + "\n"
    for row in table.rows {
      text += "| " + row.map(markdownEscape).joined(separator: " | ") + " |\n"
    }
    return text
  }

  /// Keeps a cell on one line and stops `|`, `<` and friends from changing the table or
  /// becoming markup where markdown is rendered as HTML.
  static func markdownEscape(_ text: String) -> String {
    var result = ""
    for character in text {
      switch character {
      case "|": result += "\\|"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "&": result += "&amp;"
      case "*", "_", "`", "[", "]", "\\": result += "\\\(character)"
      case "\n", "\r": result += " "
      default: result.append(character)
      }
    }
    return result
  }
}
