import Fitting
import Foundation
import Kernels
import Testing

@testable import Coordinator

/// `dlscale guide` end to end on the fit fixture of `FitPredictCommandTests` (ring allreduce
/// and ResNet-50 train records), with the measured machine described as a system file: the
/// talk's columns, the same hours as `dlscale predict`, rows a device cannot hold marked, JSON
/// that decodes, and one-line errors.
struct GuideTests {
  /// The fixture fitted, and a measured system file of one device per node; returns the
  /// directory, the models file and the system file.
  static func fitted(deviceMemory: String = "64GiB") throws -> (directory: String, models: String, system: String) {
    let directory = try FitPredictCommandTests.fixture()
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    let system = directory + "/measured.yaml"
    try """
    name: fixture
    devices_per_node: 1
    device: {name: fixture-cpu, memory: \(deviceMemory)}
    inter_node: {name: fixture-net, rate: 100MB/s, latency: 50us}
    measured: true
    """.write(toFile: system, atomically: true, encoding: .utf8)
    return (directory, models, system)
  }

  static let ask = ["--model", "resnet50", "--nodes", "1,2,4", "--samples", "1e6", "--epochs", "2", "--batch", "16"]

  @Test func theTableHasTheTalksColumnsAndPredictsHours() throws {
    let (directory, models, system) = try Self.fitted()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let guide = try runDlscale(["guide", "--models", models, "--system", system] + Self.ask)
    #expect(guide.status == 0, "stderr: \(guide.standardError)")
    let lines = guide.standardOutput.split(separator: "\n").map(String.init)
    #expect(
      lines.first == "Performance Guide: 1000000 samples × 2 epochs, batch 16 per device, weak scaling, nodes 1, 2, 4")
    #expect(lines.contains { $0.hasPrefix("fixture: 1 × fixture-cpu per node") }, "the system's line above the table")
    let groupIndex = try #require(lines.firstIndex { $0.hasPrefix("data ") }, "\(guide.standardOutput)")
    let groups = lines[groupIndex].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(groups == ["data", "hardware", "software", "time"])
    let header = lines[groupIndex + 1].split(separator: "|").map {
      $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
    #expect(
      header == [
        "samples epochs model", "system device count nodes interconnect", "engine batch scaling",
        "hours ± % samples/s efficiency MiB/device fits",
      ])
    let row = lines[groupIndex + 2].split(separator: " ", omittingEmptySubsequences: true)
    #expect(
      Array(row.prefix(14)) == [
        "1000000", "2", "resnet50", "|", "fixture", "fixture-cpu", "1", "1", "fixture-net", "|", "dlscale", "16",
        "weak", "|",
      ], "\(lines[groupIndex + 2])")
    #expect(lines.contains("Observations:"))
  }

  @Test func goingBeyondWhatWasMeasuredIsOneLineAboveTheTable() throws {
    let (directory, models, system) = try Self.fitted()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let guide = try runDlscale(
      [
        "guide", "--models", models, "--system", system, "--model", "resnet50", "--nodes", "1,16,32", "--samples",
        "1e6",
      ])
    #expect(guide.status == 0, "stderr: \(guide.standardError)")
    let lines = guide.standardOutput.split(separator: "\n").map(String.init)
    let notes = lines.filter { $0.contains("the largest count measured") }
    #expect(notes.count == 1, "\(guide.standardOutput)")
    #expect(notes.first?.contains("32 nodes is 4× the largest count measured (8 ranks)") == true)
    let table = try #require(lines.firstIndex { $0.hasPrefix("data ") })
    #expect(lines.firstIndex { $0.contains("the largest count measured") }! < table, "the note is above the table")
  }

  @Test func rowsAreDlscalePredictsAndJSONDecodes() throws {
    let (directory, models, system) = try Self.fitted()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let guide = try runDlscale(["guide", "--models", models, "--system", system, "--format", "json"] + Self.ask)
    #expect(guide.status == 0, "stderr: \(guide.standardError)")
    let decoded = try GuideTable.decode(guide.standardOutput)
    #expect(decoded.rows.map(\.nodes) == [1, 2, 4])
    #expect(decoded.rows.allSatisfy { $0.model == "resnet50" && $0.system == "fixture" && $0.count == 1 })
    #expect(decoded.observations.map(\.kind) == [.scaling, .interconnect, .memory])
    let interconnect = try #require(decoded.observations.first { $0.kind == .interconnect })
    #expect(interconnect.verdict == .omitted && interconnect.statement.contains("is measured"), "\(interconnect)")
    #expect(decoded.systems.map(\.system) == ["fixture"])

    let predict = try runDlscale(["predict", "--models", models, "--system", system, "--format", "json"] + Self.ask)
    #expect(predict.status == 0, "stderr: \(predict.standardError)")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let rows = try decoder.decode([TrainingTimePrediction.Row].self, from: Data(predict.standardOutput.utf8))
    #expect(rows.map(\.hours) == decoded.rows.map(\.hours), "one pricing path: the guide's hours are predict's")
    #expect(rows == decoded.rows.map(\.prediction))
    // Efficiency against one device: 1 at one node of one device, then throughput / (P × one's).
    let one = decoded.rows[0].samplesPerS
    #expect(decoded.rows[0].efficiency == 1)
    for row in decoded.rows {
      let expected = row.samplesPerS / (Double(row.prediction.ranks) * one)
      #expect(abs(try #require(row.efficiency) - expected) < 1e-12)
    }
  }

  @Test func rowsADeviceCannotHoldAreMarkedNotHidden() throws {
    let (directory, models, system) = try Self.fitted(deviceMemory: "1GiB")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let guide = try runDlscale(["guide", "--models", models, "--system", system, "--format", "json"] + Self.ask)
    #expect(guide.status == 0, "stderr: \(guide.standardError)")
    let decoded = try GuideTable.decode(guide.standardOutput)
    #expect(decoded.rows.count == 3)
    #expect(decoded.rows.allSatisfy { $0.fitsDevice == false }, "ResNet-50 at batch 16 needs more than 1 GiB")
    let memory = try #require(decoded.observations.first { $0.kind == .memory })
    let largest = try #require(memory.figures.first?.values.first { $0.name == "largest_batch" }?.value)
    #expect(largest < 16, "the largest batch that fits 1 GiB is below the batch asked")
  }

  @Test func markdownIsOneTableWithTheTalksGroups() throws {
    let (directory, models, system) = try Self.fitted()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let out = directory + "/guide.md"
    let guide = try runDlscale(
      ["guide", "--models", models, "--system", system, "--format", "markdown", "--out", out] + Self.ask)
    #expect(guide.status == 0, "stderr: \(guide.standardError)")
    #expect(guide.standardOutput == "wrote \(out)\n")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    let table = text.split(separator: "\n").filter { $0.hasPrefix("|") }
    #expect(table.count == 2 + 3, "header, alignment and three rows")
    #expect(table[0].hasPrefix("| data: samples | epochs | model | hardware: system | device | count | nodes |"))
    #expect(table[0].contains("| software: engine | batch | scaling | time: hours | ± % |"))
    let columns = table[0].filter { $0 == "|" }.count
    #expect(table.allSatisfy { $0.filter { $0 == "|" }.count == columns }, "every row has every column")
    #expect(text.contains("**Observations**"))
    #expect(!text.contains("#"), "no headings of its own: it is pasted at any level")
  }

  @Test(arguments: [
    (["--model", "resnet51", "--system", "8xp100-nvlink-edr"], "unknown model 'resnet51'"),
    (["--model", "resnet101", "--system", "no-such-system"], "no system 'no-such-system'"),
    (["--model", "resnet101", "--system", "8xp100-nvlink-edr", "--nodes", "0,2"], "invalid --nodes '0,2'"),
    (["--model", "resnet101", "--system", "8xp100-nvlink-edr", "--nodes", "two"], "invalid --nodes 'two'"),
    (["--model", "resnet101"], "--system is required"),
    (["--model", "resnet101,", "--system", "8xp100-nvlink-edr"], "invalid --model 'resnet101,'"),
    (["--model", "resnet101", "--system", "8xp100-nvlink-edr", "--format", "html"], "--format must be"),
    (
      ["--model", "acoustic", "--system", "8xp100-nvlink-edr", "--out", "/nonexistent/guide.md"],
      "cannot write /nonexistent/guide.md"
    ),
    (
      ["--model", "acoustic", "--system", "8xp100-nvlink-edr", "--device-efficiency", "1.5"],
      "--device-efficiency must be"
    ),
  ])
  func badInputIsOneLine(arguments: [String], message: String) throws {
    let result = try runDlscale(["guide", "--samples", "1e8"] + arguments)
    #expect(result.status != 0)
    let lines = result.standardError.split(separator: "\n")
    #expect(lines.count == 1, "\(result.standardError)")
    #expect(result.standardError.contains(message), "\(result.standardError)")
  }

  @Test func aMeasuredSystemNeedsTheModelsFile() throws {
    let (directory, _, system) = try Self.fitted()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try runDlscale(["guide", "--system", system] + Self.ask)
    #expect(result.status != 0)
    #expect(result.standardError.contains("--models is required"), "\(result.standardError)")
  }

  /// The system files shipped in `systems/` read, and every throughput figure names a zoo model
  /// and its source.
  @Test func theShippedSystemFilesRead() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("systems").path
    let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
    #expect(!files.isEmpty, "no system files in \(directory)")
    for file in files {
      let system = try SystemFile.load(path: directory + "/" + file)
      for entry in system.throughput {
        #expect(Zoo.names.contains(entry.model), "\(file): \(entry.model) is not a zoo model")
        #expect(entry.source?.isEmpty == false, "\(file): \(entry.model) batch \(entry.batch) names no source")
      }
    }
  }
}
