import Fitting
import Foundation
import Measurements

/// Prediction rows as a table or as JSON (one object per row, snake_case keys).
enum PredictionTable {
  /// With a device memory in the rows (`fitsDevice` set), two more columns: each row's memory
  /// per rank in MiB and whether it fits.
  static func text(_ rows: [TrainingTimePrediction.Row]) -> String {
    let showsMemory = rows.contains { $0.fitsDevice != nil }
    var header = [
      "nodes", "ranks", "algorithm", "batch/rank", "bucket", "overlap", "hours", "± %", "samples/s",
      "step ms", "compute ms", "exposed ms", "update ms", "bound",
    ]
    if showsMemory { header += ["MiB/rank", "fits"] }
    let showsSchedule = rows.contains { $0.system != nil || ($0.nodes > 1 && $0.devicesPerNode > 1) }
    if showsSchedule { header.insert("schedule", at: 3) }
    let body = rows.map { row in
      var cells = [
        "\(row.nodes)", "\(row.ranks)", row.algorithm, ModelsSummary.format(row.batchPerRank, 1),
        ByteSizeText.format(row.bucketBytes), row.overlap, ModelsSummary.format(row.hours, 2),
        row.errorPct.map { ModelsSummary.format($0, 1) } ?? "n/a", ModelsSummary.format(row.samplesPerS, 1),
        ModelsSummary.format(row.stepMs, 1), ModelsSummary.format(row.computeMs, 1),
        ModelsSummary.format(row.exposedCommMs, 1), ModelsSummary.format(row.updateMs, 1), row.bound,
      ]
      if showsSchedule { cells.insert(row.schedule, at: 3) }
      if showsMemory {
        cells.append(row.memoryBytes.map { "\(Int((Double($0) / Double(1 << 20)).rounded()))" } ?? "n/a")
        cells.append(row.fitsDevice == false ? "NO" : "yes")
      }
      return cells
    }
    let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max()! }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: "  ")
    }
    return ([line(header)] + body.map(line)).joined(separator: "\n")
  }

  /// The line under a table naming the terms whose error is unknown: `± n/a: link rate given: no
  /// error known`; nil when every band is known.
  static func unknownErrors(_ rows: [TrainingTimePrediction.Row]) -> String? {
    var terms: [String] = []
    for term in rows.flatMap(\.unknownErrors) where !terms.contains(term) { terms.append(term) }
    return terms.isEmpty ? nil : "± n/a: " + terms.joined(separator: "; ")
  }

  /// The JSON of `rows`; `node_hours` is added beside every row's fields.
  static func json(_ rows: [TrainingTimePrediction.Row]) throws -> String {
    struct Output: Encodable {
      var row: TrainingTimePrediction.Row
      func encode(to encoder: Encoder) throws {
        try row.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(row.nodeHours, forKey: Key(stringValue: "nodeHours")!)
      }
      struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
      }
    }
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(rows.map(Output.init)), as: UTF8.self)
  }
}

/// Byte sizes for tables (ByteSize.format, which prints exact multiples with a unit).
enum ByteSizeText {
  static func format(_ bytes: Int) -> String { Measurements.ByteSize.format(bytes) }
}
