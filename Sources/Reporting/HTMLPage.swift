import Foundation
import Measurements
import Plot

/// The report as one self-contained HTML file: inline CSS, charts as inline SVG, no script,
/// font, image or link to anything outside the file. Plot escapes every text it renders; the
/// SVG charts escape their own text (`SVGWriter.escape`).
extension ScalingReport {
  public func htmlPage() -> String {
    let html = HTML(
      .lang(.english),
      .head(
        .encoding(.utf8),
        .title("dlscale scaling report"),
        .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
        .style(Self.css)
      ),
      .body(
        .header(
          .h1("dlscale scaling report"),
          .p(.class("meta"), .text(summaryLine))
        ),
        answerSection(),
        findingsSection(),
        .if(
          !allreduce.isEmpty,
          section(
            id: "allreduce", title: "Allreduce", charts: allreduceCharts, tables: [allreduceTable, bestAlgorithmTable],
            folded: "Latency and bus bandwidth by size, per algorithm and rank count")),
        .if(
          links != nil,
          section(
            id: "p2p", title: "Point-to-point links", charts: linkCharts, tables: linkTable.map { [$0] } ?? [],
            lead: linkCallout)),
        .if(
          !scaling.isEmpty,
          section(
            id: "training", title: "Training scaling", charts: scalingCharts,
            tables: [trainingTable] + (engineTable.map { [$0] } ?? []))),
        .if(
          !predictionCharts.isEmpty || modelTable != nil,
          section(
            id: "models", title: "Models against measurements", charts: predictionCharts,
            tables: modelTable.map { [$0] } ?? [])),
        .if(!failures.isEmpty, section(id: "failures", title: "Failures", charts: [], tables: [failureTable])),
        metadataSection()
      )
    )
    return html.render(indentedBy: .spaces(1))
  }

  var summaryLine: String {
    let counts = metadata.recordCounts.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
    let span = [metadata.firstTimestamp, metadata.lastTimestamp].compactMap { $0 }
    let when = span.count == 2 ? " from \(span[0]) to \(span[1])" : ""
    return
      "\(records.count) records (\(counts)) in \(metadata.runs.count) run\(metadata.runs.count == 1 ? "" : "s")\(when)."
  }

  /// The slow hosts, links or fabric, in words, above the matrices.
  var linkCallout: String? {
    let topics = Set([LinkVerdict.Finding.Kind.slowFabric, .slowHost, .slowLink, .noSlowLink].map(\.rawValue))
    let found = observations.items.filter { topics.contains($0.topic) }.map { "\($0.topic): \($0.text)." }
    return found.isEmpty ? nil : found.joined(separator: " ")
  }

  /// The answer first: time to train and throughput per series, measured and predicted.
  private func answerSection() -> Node<HTML.BodyContext> {
    .section(
      .id("answer"),
      .h2(.text("Time to train: \(timeToTrain.workload.text)")),
      .p(.class("lead"), .text(timeToTrain.lead)),
      .if(timeToTrain.blocks.isEmpty, .p("No train records: nothing to answer with.")),
      .forEach(timeToTrain.blocks) { block in
        .div(
          .class("answer"),
          tableNode(TimeToTrain.table(block)),
          .if(!block.notes.isEmpty, .ul(.class("notes"), .forEach(block.notes) { .li(.text($0)) }))
        )
      }
    )
  }

  private func findingsSection() -> Node<HTML.BodyContext> {
    .section(
      .id("findings"),
      .h2("Findings"),
      .if(observations.items.isEmpty, .p("No findings: the results hold no measurements to compare.")),
      .ul(
        .forEach(observations.items) { item in
          .li(.class(item.needsAttention ? "attention" : "note"), .strong(.text(item.topic + ": ")), .text(item.text))
        })
    )
  }

  /// A section of charts and tables; with `folded`, they sit in a `<details>` closed by default,
  /// `folded` its summary line.
  private func section(
    id: String, title: String, charts: [PlacedChart], tables: [ReportTable], lead: String? = nil,
    folded: String? = nil
  ) -> Node<HTML.BodyContext> {
    let body: Node<HTML.BodyContext> = .group(
      .div(
        .class("charts"),
        .forEach(charts) { chart in
          .div(
            .class("chart-box"), .id(chart.id), .h3(.text(chart.title)), .raw(chart.svg),
            .p(.class("caption"), .text(chart.caption)))
        }
      ),
      .forEach(tables.filter { !$0.rows.isEmpty }) { table in tableNode(table) }
    )
    return .section(
      .id(id),
      .h2(.text(title)),
      .unwrap(lead) { .p(.class("callout"), .text($0)) },
      .if(folded == nil, body),
      // Plot types a <details>' children apart from the body's: the section goes in rendered.
      .unwrap(folded) { summary in .details(.summary(.text(summary)), .raw(body.render())) }
    )
  }

  private func tableNode(_ table: ReportTable) -> Node<HTML.BodyContext> {
    .div(
      .class("table-box"),
      .h3(.text(table.title)),
      .table(
        .thead(.tr(.forEach(table.headers) { .th(.text($0)) })),
        .tbody(.forEach(table.rows) { row in .tr(.forEach(row) { .td(.text($0)) }) })
      )
    )
  }

  private func metadataSection() -> Node<HTML.BodyContext> {
    let facts: [(String, String)] = [
      ("hosts", metadata.hosts.isEmpty ? "–" : metadata.hosts.joined(separator: ", ")),
      ("MPI library", metadata.mpiLibraries.isEmpty ? "–" : metadata.mpiLibraries.joined(separator: "; ")),
      ("dlscale version", metadata.versions.joined(separator: ", ")),
      ("time span", [metadata.firstTimestamp, metadata.lastTimestamp].compactMap { $0 }.joined(separator: " – ")),
      ("link rate", ceiling.map { $0.description } ?? "not given (use --link-rate or models.json links)"),
    ]
    return .section(
      .id("runs"),
      .h2("Run metadata"),
      .table(.class("facts"), .tbody(.forEach(facts) { fact in .tr(.th(.text(fact.0)), .td(.text(fact.1))) })),
      tableNode(runTable)
    )
  }

  static let css = """
    body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d1d1f;\
    background:#f6f7f9;margin:0 auto;max-width:1100px;padding:16px 20px 48px}
    h1{font-size:26px;margin:8px 0 2px}h2{font-size:20px;margin:28px 0 8px;border-bottom:1px solid #d8dbe0;padding-bottom:4px}
    h3{font-size:15px;margin:0 0 4px}.meta{color:#555;margin:0}
    .charts{display:flex;flex-wrap:wrap;gap:14px}
    .chart-box{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:8px;flex:0 1 auto}
    .chart-box svg{display:block;max-width:100%;height:auto}
    .caption{font-size:12.5px;color:#555;margin:4px 0 0;max-width:500px}
    .callout{background:#fff8e6;border-left:4px solid #e0a100;padding:6px 10px}
    .lead{margin:0 0 6px}.answer{margin-bottom:14px}.notes{font-size:13px;color:#555;margin:4px 0}
    details>summary{cursor:pointer;color:#333;margin:4px 0}
    ul{padding-left:20px}li{margin:3px 0}li.attention{color:#8a1c1c}li.attention strong{color:#b42318}
    .table-box{margin-top:14px;overflow-x:auto}
    table{border-collapse:collapse;background:#fff;font-size:13px}
    th,td{border:1px solid #e1e4e8;padding:3px 8px;text-align:left;vertical-align:top}
    thead th{background:#eef1f5}table.facts th{background:#eef1f5;width:140px}
    svg text{font-family:inherit}svg .tick{font-size:11px;fill:#444}svg .axis-title{font-size:12px;fill:#222}
    svg .legend{font-size:11.5px;fill:#222}svg .cell{font-size:11px}
    svg .grid{stroke:#eceef1}svg .axis{stroke:#555}svg .frame{stroke:#d5d8dc}
    svg .ceiling{stroke:#555;stroke-dasharray:2 3;stroke-width:1.5}
    """
}
