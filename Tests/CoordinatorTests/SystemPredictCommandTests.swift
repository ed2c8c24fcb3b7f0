import Foundation
import Measurements
import Testing

/// `predict` and `optimize` with `--system`: catalogue systems without a models file, several
/// at once, the measured machine `dlscale fit` describes, and the errors of a missing models file.
struct SystemPredictCommandTests {
  struct Row: Decodable {
    var nodes: Int
    var ranks: Int
    var hours: Double
    var system: String?
    var schedule: String
    var devicesPerNode: Int
    var fitsDevice: Bool?
    var unknownErrors: [String]

    enum CodingKeys: String, CodingKey {
      case nodes, ranks, hours, system, schedule
      case devicesPerNode = "devices_per_node"
      case fitsDevice = "fits_device"
      case unknownErrors = "unknown_errors"
    }
  }

  @Test func twoCatalogueSystemsNeedNoModelsFile() throws {
    let result = try runDlscale([
      "predict", "--system", "8xp100-nvlink-edr", "--system", "8xk80-pcie3-10gbe", "--model", "resnet50",
      "--samples", "1.28e6", "--epochs", "90", "--nodes", "1,4", "--format", "json",
    ])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    let rows = try JSONDecoder().decode([Row].self, from: Data(result.standardOutput.utf8))
    #expect(rows.map(\.system) == ["8xp100-nvlink-edr", "8xp100-nvlink-edr", "8xk80-pcie3-10gbe", "8xk80-pcie3-10gbe"])
    #expect(rows.allSatisfy { $0.devicesPerNode == 8 && $0.ranks == 8 * $0.nodes && $0.fitsDevice == true })
    // K80 has 4.37 TFLOP/s against P100's 10.6, and 10 Gbit/s Ethernet against 100 Gbit/s EDR.
    #expect(rows[2].hours > rows[0].hours && rows[3].hours > rows[1].hours, "\(rows.map(\.hours))")
    #expect(rows[0].unknownErrors.contains("device compute from peak FLOP/s at 40% assumed efficiency: no error known"))

    let table = try runDlscale([
      "predict", "--system", "8xp100-nvlink-edr", "--model", "resnet50", "--samples", "1e6", "--nodes", "2",
      "--device-efficiency", "0.5",
    ])
    #expect(table.status == 0, "stderr: \(table.standardError)")
    #expect(table.standardOutput.contains("device P100 from spec sheet: Tesla P100 SXM2"), "\(table.standardOutput)")
    #expect(table.standardOutput.contains("at 50% assumed efficiency"))
    #expect(table.standardOutput.contains("schedule"), "the table names each row's schedule")
  }

  @Test func optimizePicksTheBestPerSystem() throws {
    let result = try runDlscale([
      "optimize", "--system", "8xp100-nvlink-edr", "--system", "4xv100-pcie3-25gbe", "--model", "resnet50",
      "--samples", "1e6", "--max-nodes", "2", "--batches", "32", "--buckets", "25MiB",
    ])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    let text = result.standardOutput
    #expect(text.components(separatedBy: "best:").count == 3, "\(text)")
    #expect(text.contains("system 8xp100-nvlink-edr:") && text.contains("system 4xv100-pcie3-25gbe:"))
  }

  @Test func fitDescribesTheMeasuredMachine() throws {
    let directory = try FitPredictCommandTests.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    let system = directory + "/system.yaml"
    #expect(fit.standardOutput.contains("wrote \(system)"), "\(fit.standardOutput)")
    let text = try String(contentsOfFile: system, encoding: .utf8)
    #expect(text.contains("measured: true") && text.contains("devices_per_node: 8"), "\(text)")

    // Measured: the fits price it, so models.json is required.
    let without = try runDlscale(["predict", "--system", system, "--model", "resnet50", "--samples", "1e6"])
    #expect(without.status != 0)
    #expect(
      without.standardError
        == "dlscale: error: --models is required: system 'measured' is measured, its fits are in models.json\n",
      "\(without.standardError)")

    let predict = try runDlscale([
      "predict", "--system", system, "--models", models, "--model", "resnet50", "--samples", "1e6", "--nodes",
      "1,2", "--format", "json",
    ])
    #expect(predict.status == 0, "stderr: \(predict.standardError)")
    let rows = try JSONDecoder().decode([Row].self, from: Data(predict.standardOutput.utf8))
    #expect(rows.map(\.ranks) == [8, 16], "devices per node from the system: ranks per host measured")
    #expect(rows.allSatisfy { $0.system == "measured" })
  }

  /// Two ranks of one host whose communication thread took 0.5 ns of CPU per byte sent: `fit`
  /// stores it, `models` shows it, and `predict --system` takes it out of a capped device's compute.
  @Test func communicationCPUIsFittedOnOneHostAndPricedOnCappedDevices() throws {
    let directory = try FitPredictCommandTests.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var lines: [String] = []
    for gradient in [100_000_000, 50_000_000] {
      var record = Record(kind: .train, runId: "cpu")
      record.model = "resnet50"
      record.ranks = 2
      record.hosts = 1
      record.rankHosts = ["h1", "h1"]
      record.algorithm = "ring"
      record.batchPerRank = 8
      record.forwardMs = 33
      record.backwardMs = 67
      record.gradientBytes = gradient
      record.commCpuMs = 0.5e-9 * Double(gradient) * 1e3
      lines.append(try record.jsonLine())
    }
    let records = directory + "/cpu.jsonl"
    try (lines.joined(separator: "\n") + "\n").write(toFile: records, atomically: true, encoding: .utf8)
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", records, "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    #expect(
      fit.standardOutput.contains("Communication's CPU: 0.500 ns per byte sent (2 records on 1 host"),
      "\(fit.standardOutput)")
    let json = try String(contentsOfFile: models, encoding: .utf8)
    #expect(json.contains("\"communication_cpu\"") && json.contains("\"cpu_s_per_byte\""), "\(json)")

    func system(cores: String) throws -> String {
      let file = directory + "/capped\(cores.isEmpty ? "" : "-cores").yaml"
      try """
      name: capped
      devices_per_node: 1
      device: {name: slot\(cores)}
      inter_node: {name: emulated, rate: 500Mbit/s, latency: 0us}
      measured: true

      """.write(toFile: file, atomically: true, encoding: .utf8)
      return file
    }
    func predict(_ file: String) throws -> (text: String, computeMs: Double) {
      let arguments = [
        "predict", "--system", file, "--models", models, "--model", "resnet50", "--samples", "1e6", "--nodes", "4",
        "--batch", "8", "--overlap", "on",
      ]
      let table = try runDlscale(arguments)
      #expect(table.status == 0, "stderr: \(table.standardError)")
      let json = try runDlscale(arguments + ["--format", "json"])
      let rows = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]]
      return (table.standardOutput, try #require(rows?.first?["compute_ms"] as? Double))
    }
    let plain = try predict(try system(cores: ""))
    let capped = try predict(try system(cores: ", cores: 0.45"))
    #expect(!plain.text.contains("communication's CPU"))
    #expect(
      capped.text.contains("communication's CPU comes out of compute: 0.5 ns of CPU per byte sent (measured on 1 host"),
      "\(capped.text)")
    #expect(capped.text.contains("on 0.45 cores per rank"))
    #expect(capped.computeMs > plain.computeMs, "\(capped.computeMs) against \(plain.computeMs)")
  }

  @Test func nodeCountsBeyondTheSystemAreLeftOutWithAWarning() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-system-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("small.yaml").path
    try """
    name: small
    nodes: 2
    devices_per_node: 1
    device: {name: cpu, peak: 1TFLOP/s}
    inter_node: 10gbe

    """.write(toFile: file, atomically: true, encoding: .utf8)
    let result = try runDlscale([
      "predict", "--system", file, "--model", "resnet50", "--samples", "1e6", "--nodes", "1,2,4,8", "--format", "json",
    ])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    #expect(result.standardError == "warning: system small has 2 nodes; node counts 4, 8 left out\n")
    let rows = try JSONDecoder().decode([Row].self, from: Data(result.standardOutput.utf8))
    #expect(rows.map(\.nodes) == [1, 2])
    #expect(rows.allSatisfy { $0.fitsDevice == nil }, "no memory given: nothing to fit")
  }

  @Test(arguments: [
    ["predict", "--model", "resnet50", "--samples", "1e6"],
    ["predict", "--system", "no-such-system", "--model", "resnet50", "--samples", "1e6"],
    [
      "predict", "--system", "8xp100-nvlink-edr", "--model", "resnet50", "--samples", "1e6", "--device-efficiency", "0",
    ],
    ["predict", "--system", "8xp100-nvlink-edr", "--model", "resnet50", "--samples", "1e6", "--ranks-per-node", "16"],
    ["optimize", "--model", "resnet50", "--samples", "1e6"],
  ])
  func badSystemInputIsOneLine(arguments: [String]) throws {
    let result = try runDlscale(arguments)
    #expect(result.status != 0)
    let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(lines.count == 1, "stderr: \(result.standardError)")
    #expect(result.standardError.hasPrefix("dlscale: error: "))
  }
}
