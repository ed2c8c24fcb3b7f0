import Foundation
import Measurements
import Testing

@testable import Reporting

@Test func csvQuotingFollowsRFC4180() {
  #expect(CSVTables.quote("plain") == "plain")
  #expect(CSVTables.quote("a,b") == "\"a,b\"")
  #expect(CSVTables.quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
  #expect(CSVTables.quote("two\nlines") == "\"two\nlines\"")
}

@Test func everyKindPresentGetsAFlatTable() throws {
  let records = try ReportFixtures.records()
  let tables = Dictionary(uniqueKeysWithValues: CSVTables.tables(for: records).map { ($0.name, $0.contents) })
  #expect(Set(tables.keys) == ["allreduce.csv", "p2p.csv", "train.csv", "failure.csv"])
  let allreduce = try #require(tables["allreduce.csv"])
  let rows = allreduce.components(separatedBy: "\r\n").filter { !$0.isEmpty }
  #expect(rows.count == 1 + records.filter { $0.kind == .allreduce }.count, "a header and one row per record")
  let header = rows[0].split(separator: ",").map(String.init)
  for column in [
    "kind", "run_id", "bytes", "time_us_min", "time_us_mean", "time_us_median", "time_us_p95", "time_us_max",
    "busbw_gbps",
  ] {
    #expect(header.contains(column), "missing \(column)")
  }
  #expect(header.first == "kind")
  // The Open MPI version string has commas: it must be quoted, so every row has the header's field count.
  #expect(rows[1].contains("\"Open MPI v4.1.4, package: Debian OpenMPI"))
  for (name, contents) in tables {
    let parsed = parseCSV(contents)
    #expect(parsed.count > 1, "\(name)")
    #expect(parsed.allSatisfy { $0.count == parsed[0].count }, "\(name): ragged rows")
  }
  let train = try #require(tables["train.csv"])
  #expect(train.contains("step_ms_mean"))
  let failure = try #require(tables["failure.csv"])
  #expect(failure.contains("parameters"))
  #expect(failure.contains("\"dlscale-agent: error"), "the multi-line stderr tail is one quoted field")
}

/// A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records), to check the writer.
func parseCSV(_ text: String) -> [[String]] {
  var records: [[String]] = []
  var record: [String] = []
  var field = ""
  var quoted = false
  var characters = Array(text.unicodeScalars)[...]
  while let character = characters.popFirst() {
    if quoted {
      if character == "\"" {
        if characters.first == "\"" {
          field.unicodeScalars.append("\"")
          characters.removeFirst()
        } else {
          quoted = false
        }
      } else {
        field.unicodeScalars.append(character)
      }
    } else if character == "\"" {
      quoted = true
    } else if character == "," {
      record.append(field)
      field = ""
    } else if character == "\r" && characters.first == "\n" {
      characters.removeFirst()
      record.append(field)
      records.append(record)
      (record, field) = ([], "")
    } else {
      field.unicodeScalars.append(character)
    }
  }
  return records
}
