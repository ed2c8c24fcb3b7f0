import Foundation
import Measurements
import Testing

/// `dlscale fit`, `predict` and `optimize` end to end on a small synthetic results file: ring
/// allreduce made by known α, β (with a torn last line), train records of one model; then the
/// JSON prediction decoded and checked against the iteration model's arithmetic.
struct FitPredictCommandTests {
  /// The fields of one `predict --format json` row that this test reads.
  struct Row: Decodable {
    var nodes: Int
    var hours: Double
    var samplesPerS: Double
    var stepMs: Double
    var computeMs: Double
    var exposedCommMs: Double
    var updateMs: Double
    var errorPct: Double?
    var overlap: String

    enum CodingKeys: String, CodingKey {
      case nodes, hours, overlap
      case samplesPerS = "samples_per_s"
      case stepMs = "step_ms"
      case computeMs = "compute_ms"
      case exposedCommMs = "exposed_comm_ms"
      case updateMs = "update_ms"
      case errorPct = "error_pct"
    }
  }

  static let alpha = 50e-6
  static let beta = 1 / 100e6

  /// Writes the fixture and returns its directory.
  static func fixture() throws -> String {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlscale-fit-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var lines: [String] = []
    for ranks in [2, 4, 8] {
      for exponent in stride(from: 3, through: 24, by: 3) {
        let bytes = 1 << exponent
        let p = Double(ranks)
        let seconds = 2 * (p - 1) * alpha + 2 * (p - 1) / p * Double(bytes) * beta
        var record = Record(kind: .allreduce, runId: "fixture")
        record.ranks = ranks
        record.algorithm = "ring"
        record.bytes = bytes
        let us = seconds * 1e6
        record.timeUs = Summary(min: us, mean: us, median: us, p95: us, max: us)
        record.wrong = 0
        lines.append(try record.jsonLine())
      }
    }
    for ranks in [1, 2, 4] {
      for batch in [8, 16, 32] {
        var record = Record(kind: .train, runId: "fixture")
        record.model = "resnet50"
        record.ranks = ranks
        record.scaling = "weak"
        record.batchPerRank = batch
        let compute = 20 + 10 * Double(batch)
        record.forwardMs = compute / 3
        record.backwardMs = 2 * compute / 3
        record.updateMs = 5
        record.samplesPerS = Double(ranks * batch) / ((compute + 5 + 10 * Double(ranks - 1)) / 1e3)
        lines.append(try record.jsonLine())
      }
    }
    let text = lines.joined(separator: "\n") + "\n{\"schema\":1,\"kind\":\"allre"
    try text.write(toFile: directory + "/results.jsonl", atomically: true, encoding: .utf8)
    return directory
  }

  @Test func fitThenPredictJSON() throws {
    let directory = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    #expect(fit.standardError.contains("results.jsonl:34: unreadable record"), "the torn line is reported")
    #expect(fit.standardOutput.contains("ring"))
    #expect(fit.standardOutput.contains("MAPE"))
    #expect(!fit.standardOutput.lowercased().contains("nan"))

    let predict = try runDlscale([
      "predict", "--models", models, "--model", "resnet50", "--samples", "1e6", "--epochs", "2",
      "--nodes", "1,2,4", "--batch", "16", "--format", "json",
    ])
    #expect(predict.status == 0, "stderr: \(predict.standardError)")
    let rows = try JSONDecoder().decode([Row].self, from: Data(predict.standardOutput.utf8))
    #expect(rows.map(\.nodes) == [1, 2, 4])
    // One node: compute 20 + 10·16 = 180 ms, update 5 ms, nothing to allreduce.
    let single = rows[0]
    #expect(abs(single.computeMs - 180) < 1e-6)
    #expect(single.exposedCommMs == 0)
    #expect(abs(single.stepMs - 185) < 1e-6)
    #expect(abs(single.hours - 2e6 / (16 / 0.185) / 3600) < 1e-9)
    for row in rows {
      #expect(abs(row.stepMs - (row.computeMs + row.exposedCommMs + row.updateMs)) < 1e-9)
      let band = try #require(row.errorPct, "every fit has a held-out error")
      #expect(band >= 0 && band.isFinite)
    }
    #expect(rows.map(\.overlap) == ["none", "forward", "forward"], "train's default unless told, none on one node")
    #expect(rows[2].exposedCommMs > 0, "ResNet-50's 102 MB gradient at 100 MB/s cannot hide behind 120 ms")

    let optimize = try runDlscale([
      "optimize", "--models", models, "--model", "resnet50", "--samples", "1e6", "--max-nodes", "4",
      "--rules-file", directory + "/rules.conf", "--overlap", "on,forward",
    ])
    #expect(optimize.status == 0, "stderr: \(optimize.standardError)")
    #expect(optimize.standardOutput.contains("best:"))
    #expect(optimize.standardOutput.contains("overlap"), "the table names each row's overlap mode")
    #expect(optimize.standardOutput.contains(" forward "), "forward overlap is among the configurations")
    let rules = try String(contentsOfFile: directory + "/rules.conf", encoding: .utf8)
    #expect(
      rules.hasPrefix("1 # number of collectives\n2 # collective id: allreduce\n3 # number of communicator sizes"))
  }

  @Test func predictionSaysWhatWasMeasuredAndWhichErrorsAreUnknown() throws {
    let directory = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    let base = ["predict", "--models", models, "--model", "resnet50", "--samples", "1e6", "--nodes", "1,32"]
    let plain = try runDlscale(base)
    #expect(plain.status == 0, "stderr: \(plain.standardError)")
    #expect(
      plain.standardOutput.contains(
        "measured on 1 host over shared memory; 32 nodes is 4× the largest count measured (8 ranks)"),
      "\(plain.standardOutput)")
    #expect(!plain.standardOutput.contains("n/a"), "every fit of the fixture has a held-out error")
    let given = try runDlscale(base + ["--link-rate", "10gbit", "--interference", "0.5"])
    #expect(given.status == 0, "stderr: \(given.standardError)")
    #expect(given.standardOutput.contains(" n/a "), "\(given.standardOutput)")
    #expect(given.standardOutput.contains("link rate given: no error known"))
    #expect(!given.standardOutput.contains("±0.0"))
    let negative = try runDlscale(base + ["--interference=-1"])
    #expect(negative.status != 0)
    #expect(negative.standardError.split(separator: "\n").count == 1, "\(negative.standardError)")
  }

  @Test(arguments: [
    ["fit", "/nonexistent/results.jsonl"],
    ["predict", "--models", "/nonexistent/models.json", "--model", "resnet50", "--samples", "1e6"],
    ["predict", "--models", "/dev/null", "--model", "resnet50", "--samples", "lots"],
    ["predict", "--models", "/dev/null", "--model", "resnet50", "--samples", "1e6", "--overlap", "sideways"],
    ["optimize", "--models", "/dev/null", "--model", "resnet50", "--samples", "1e6", "--overlap", "on,later"],
  ])
  func badInputIsOneLine(arguments: [String]) throws {
    let result = try runDlscale(arguments)
    #expect(result.status != 0)
    let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(lines.count == 1, "stderr: \(result.standardError)")
    #expect(result.standardError.hasPrefix("dlscale: error: "))
  }

  @Test func binaryAndEmptyFilesAreOneErrorLine() throws {
    let directory = try Self.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data([0, 1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/binary.jsonl"))
    try Data().write(to: URL(fileURLWithPath: directory + "/empty.jsonl"))
    for name in ["binary.jsonl", "empty.jsonl"] {
      let result = try runDlscale(["fit", directory + "/" + name, "-o", directory + "/m.json"])
      #expect(result.status != 0)
      #expect(result.standardError.split(separator: "\n").count == 1, "stderr: \(result.standardError)")
    }
    let noCompute = try runDlscale(["fit", directory + "/results.jsonl", "-o", directory + "/m.json"])
    #expect(noCompute.status == 0)
    let predict = try runDlscale([
      "predict", "--models", directory + "/m.json", "--model", "vgg16", "--samples", "1e6",
    ])
    #expect(predict.status != 0)
    #expect(predict.standardError.contains("--sample-time-ms"), "stderr: \(predict.standardError)")
  }
}
