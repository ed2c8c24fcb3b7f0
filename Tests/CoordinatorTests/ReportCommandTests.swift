import Foundation
import Measurements
import TestSupport
import Testing

/// `dlscale report` end to end on the report fixtures (Tests/fixtures/report).
enum ReportFixturePaths {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/report").path
  static let results = ["allreduce.jsonl", "p2p.jsonl", "train.jsonl", "train-synthetic.jsonl", "failure.jsonl"].map {
    directory + "/" + $0
  }
  static let models = directory + "/models.json"
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
  #expect(ReportTextCount.occurrences(of: "<svg ", in: html) == 17)
  let summary = try String(contentsOfFile: output + "/summary.md", encoding: .utf8)
  #expect(summary.contains("## Findings"))
  let records = try ResultsFile(path: ReportFixturePaths.results[0]).read().records
  let csv = try String(contentsOfFile: output + "/allreduce.csv", encoding: .utf8)
  #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == records.count + 1)
}

/// `dlscale fit` then `dlscale report` on the real fixture records: the report shows every
/// scaling law fit fitted with its held-out error, and the allreduce model by message size that
/// `predict` uses.
@Test func reportShowsWhatFitWrote() throws {
  let directory = try Executables.temporaryDirectory()
  let models = directory + "/models.json"
  let real = ["allreduce.jsonl", "p2p.jsonl", "train.jsonl"].map { ReportFixturePaths.directory + "/" + $0 }
  let fit = try Executables.run([Executables.coordinator, "fit"] + real + ["-o", models])
  #expect(fit.status == 0, "dlscale fit failed: \(fit.stderr)")
  let output = directory + "/report"
  let report = try Executables.run([Executables.coordinator, "report"] + real + ["--models", models, "-o", output])
  #expect(report.status == 0, "dlscale report failed: \(report.stderr)")
  let summary = try String(contentsOfFile: output + "/summary.md", encoding: .utf8)
  struct Written: Decodable {
    struct Scaling: Decodable {
      var model: String
      var scaling: String
      var amdahlMape: Double?
      var gustafsonMape: Double?
      var uslMape: Double?
    }
    var scaling: [Scaling]
  }
  let decoder = JSONDecoder()
  decoder.keyDecodingStrategy = .convertFromSnakeCase
  let written = try decoder.decode(Written.self, from: Data(contentsOf: URL(fileURLWithPath: models)))
  #expect(!written.scaling.isEmpty)
  for fit in written.scaling {
    for (law, mape) in [("Amdahl", fit.amdahlMape), ("Gustafson", fit.gustafsonMape), ("USL", fit.uslMape)] {
      guard let mape else { continue }
      let line = summary.split(separator: "\n").first {
        $0.contains("\(fit.model) \(fit.scaling) batch") && $0.contains(" \(law) |")
      }
      #expect(
        line?.contains(String(format: "%.1f%%", mape)) == true,
        "\(fit.model) \(fit.scaling) \(law): \(line ?? "no row")")
    }
  }
  #expect(summary.contains("allreduce mpi"), "the allreduce model's row")
  #expect(summary.contains("by message size: ≤ 64KiB"), "the pieces predict uses")
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
  ("models", "nope.json: no such file"),
  ("output", "is not a directory"),
  ("samples", "--samples"),
  ("epochs", "--epochs"),
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
    case "samples": [good, "--samples", "0", "-o", out]
    case "epochs": [good, "--epochs", "many", "-o", out]
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

/// `--samples` and `--epochs` set the workload the report opens with.
@Test func theReportOpensWithTheTimeToTrainTheWorkloadGiven() throws {
  let output = try Executables.temporaryDirectory() + "/report"
  let result = try Executables.run(
    [Executables.coordinator, "report", ReportFixturePaths.directory + "/train.jsonl"] + [
      "--models", ReportFixturePaths.models, "--samples", "1e8", "--epochs", "10", "-o", output,
    ])
  #expect(result.status == 0, "dlscale report failed: \(result.stderr)")
  let summary = try String(contentsOfFile: output + "/summary.md", encoding: .utf8)
  let lines = summary.split(separator: "\n", omittingEmptySubsequences: true)
  #expect(lines.count > 3 && lines[2] == "## Time to train: 1e8 samples × 10 epochs", "\(lines.prefix(4))")
  #expect(summary.contains("| predicted | 16 | 16 |"), "predictions to 4× the largest measured count (4)")
}

/// `dlscale fit` then `report` on train records of two engines (Tests/fixtures/engines): one
/// scaling fit per engine, named in fit's summary, and the engines side by side in the report.
@Test func fitAndReportKeepTwoEnginesApart() throws {
  let records =
    URL(fileURLWithPath: ReportFixturePaths.directory).deletingLastPathComponent().path
    + "/engines/two-engines.jsonl"
  let directory = try Executables.temporaryDirectory()
  let fit = try Executables.run([Executables.coordinator, "fit", records, "-o", directory + "/models.json"])
  #expect(fit.status == 0, "dlscale fit failed: \(fit.stderr)")
  let scalingLines = fit.stdout.split(separator: "\n").filter { $0.hasPrefix("  sensornet weak batch 8") }
  #expect(scalingLines.count == 2, "\(fit.stdout)")
  #expect(scalingLines.filter { $0.contains("(pytorch, gloo, 25MiB buckets, overlap on):") }.count == 1)
  let report = try Executables.run(
    [Executables.coordinator, "report", records, "--models", directory + "/models.json", "-o", directory + "/out"])
  #expect(report.status == 0, "dlscale report failed: \(report.stderr)")
  let summary = try String(contentsOfFile: directory + "/out/summary.md", encoding: .utf8)
  #expect(summary.contains("### sensornet (pytorch, weak)"))
  #expect(summary.contains("## Engines side by side"))
}
