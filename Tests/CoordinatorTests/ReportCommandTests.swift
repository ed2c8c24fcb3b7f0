import Foundation
import Measurements
import TestSupport
import Testing

/// `dlscale report` end to end on the report fixtures (Tests/fixtures/report).
enum ReportFixturePaths {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/report").path
  static let results = ["allreduce.jsonl", "p2p.jsonl", "train-synthetic.jsonl", "failure.jsonl"].map {
    directory + "/" + $0
  }
  static let models = directory + "/models-synthetic.json"
}

@Test func reportWritesThePageTheSummaryAndATablePerKind() throws {
  let output = try Executables.temporaryDirectory() + "/report"
  let result = try Executables.run(
    [Executables.coordinator, "report"] + ReportFixturePaths.results + [
      "--models", ReportFixturePaths.models, "--link-rate", "10gbit", "-o", output,
    ])
  #expect(result.status == 0, "dlscale report failed: \(result.stderr)")
  #expect(result.stderrLines.isEmpty, "no warnings for clean files: \(result.stderr)")
  let files = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
  #expect(files == ["allreduce.csv", "failure.csv", "index.html", "p2p.csv", "summary.md", "train.csv"])
  let html = try String(contentsOfFile: output + "/index.html", encoding: .utf8)
  #expect(html.contains("link rate 1.25 GB/s"), "--link-rate wins over models.json")
  #expect(ReportTextCount.occurrences(of: "<svg ", in: html) == 14)
  let summary = try String(contentsOfFile: output + "/summary.md", encoding: .utf8)
  #expect(summary.contains("## Findings"))
  let records = try ResultsFile(path: ReportFixturePaths.results[0]).read().records
  let csv = try String(contentsOfFile: output + "/allreduce.csv", encoding: .utf8)
  #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == records.count + 1)
}

@Test func aTornLastLineIsOneWarningAndTheReportIsStillWritten() throws {
  let directory = try Executables.temporaryDirectory()
  let torn = directory + "/torn.jsonl"
  let text = try String(contentsOfFile: ReportFixturePaths.results[1], encoding: .utf8)
  try (text + "{\"schema\":1,\"kind\":\"p2p\",\"run_id\":\"x\",\"bytes\":10").write(
    toFile: torn, atomically: true, encoding: .utf8)
  let result = try Executables.run([Executables.coordinator, "report", torn, "-o", directory + "/out"])
  #expect(result.status == 0, "stderr: \(result.stderr)")
  #expect(result.stderrLines.count == 1, "one warning line: \(result.stderr)")
  #expect(result.stderrLines.first?.contains("torn.jsonl:13") == true, "\(result.stderr)")
  #expect(FileManager.default.fileExists(atPath: directory + "/out/index.html"))
}

@Test(arguments: [
  ("missing", "no such file"),
  ("empty", "is empty"),
  ("binary", "binary"),
  ("newer", "newer than this dlscale"),
  ("none", "no results files given"),
  ("rate", "invalid for '--link-rate <link-rate>': expected a positive number and a unit"),
  ("models", "cannot read models file"),
  ("output", "is not a directory"),
])
func unusableInputIsOneLineAndAFailure(input: String, expected: String) throws {
  let directory = try Executables.temporaryDirectory()
  let good = ReportFixturePaths.results[1]
  let empty = directory + "/empty.jsonl"
  try Data().write(to: URL(fileURLWithPath: empty))
  let binary = directory + "/binary.jsonl"
  try Data([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0x0a]).write(to: URL(fileURLWithPath: binary))
  let newer = directory + "/newer.jsonl"
  try #"{"schema":2,"kind":"p2p","run_id":"x","timestamp":"t","new_field":1}"#.write(
    toFile: newer, atomically: true, encoding: .utf8)
  let file = directory + "/a-file"
  try "x".write(toFile: file, atomically: true, encoding: .utf8)
  let out = directory + "/out"
  let arguments: [String] =
    switch input {
    case "missing": [directory + "/missing.jsonl", "-o", out]
    case "empty": [empty, "-o", out]
    case "binary": [binary, "-o", out]
    case "newer": [good, newer, "-o", out]
    case "none": ["-o", out]
    case "rate": [good, "--link-rate", "fast", "-o", out]
    case "models": [good, "--models", directory + "/nope.json", "-o", out]
    default: [good, "-o", file]
    }
  let result = try Executables.run([Executables.coordinator, "report"] + arguments)
  #expect(result.status != 0)
  #expect(result.stderrLines.count == 1, "one line: \(result.stderr)")
  #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
  #expect(!FileManager.default.fileExists(atPath: out + "/index.html"), "no report from unusable input")
}

enum ReportTextCount {
  static func occurrences(of needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }
}
