import Foundation
import Measurements

/// Single-device training throughput measured elsewhere, as a CSV file with a header naming
/// the columns `model`, `batch`, `samples/s` (or `samples_per_s`), `device` and `engine`, in
/// any order, one run per row: `resnet50,32,412.5,NVIDIA A100-SXM4-80GB,pytorch`. Each row
/// becomes a one-rank `train` record with `samples_per_s`, its `step_ms` (batch / samples/s),
/// `device` and `engine`. Fields are plain: no quoting, so no commas inside a field.
enum ThroughputCSV {
  enum Column: String, CaseIterable {
    case model, batch
    case samplesPerS = "samples/s"
    case device, engine

    init?(header: String) {
      let name = header.trimmingCharacters(in: .whitespaces).lowercased()
      if name == "samples_per_s" { self = .samplesPerS } else { self.init(rawValue: name) }
    }
  }

  static func records(from file: ImportedFile) throws(ImportError) -> [Record] {
    let lines = file.lines.filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
    guard let first = lines.first else { throw file.error("empty file") }
    var index: [Column: Int] = [:]
    for (position, name) in first.text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
      guard let column = Column(header: String(name)) else {
        throw file.error(
          line: first.number,
          "unknown column '\(name)' (the header names \(Column.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      guard index[column] == nil else { throw file.error(line: first.number, "column '\(name)' named twice") }
      index[column] = position
    }
    for column in Column.allCases where index[column] == nil {
      throw file.error(line: first.number, "the header has no '\(column.rawValue)' column")
    }
    return try lines.dropFirst().map { (number, text) throws(ImportError) in
      let fields = text.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard fields.count == index.count else {
        throw file.error(line: number, "expected \(index.count) fields, found \(fields.count)")
      }
      func field(_ column: Column) throws(ImportError) -> String {
        let value = fields[index[column]!]
        guard !value.isEmpty else { throw file.error(line: number, "empty \(column.rawValue)") }
        return value
      }
      let batchText = try field(.batch)
      guard let batch = Int(batchText), batch > 0 else {
        throw file.error(line: number, "batch '\(batchText)' is not a positive whole number")
      }
      let samplesText = try field(.samplesPerS)
      guard let samples = Double(samplesText), samples > 0, samples.isFinite else {
        throw file.error(line: number, "samples/s '\(samplesText)' is not a positive number")
      }
      var record = Record(kind: .train, runId: "")
      record.model = try field(.model)
      record.ranks = 1
      record.hosts = 1
      record.batchPerRank = batch
      record.globalBatch = batch
      record.scaling = "weak"
      record.samplesPerS = samples
      let stepMs = Double(batch) / samples * 1000
      record.stepMs = Summary(min: stepMs, mean: stepMs, median: stepMs, p95: stepMs, max: stepMs)
      record.device = try field(.device)
      record.engine = try field(.engine)
      return record
    }
  }
}
