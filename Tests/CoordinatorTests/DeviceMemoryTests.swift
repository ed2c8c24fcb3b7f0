import Foundation
import Testing

/// `--device-memory` of `predict` and `optimize`: each row's memory per rank, batches that do
/// not fit marked in the table and JSON, and never chosen by `optimize`.
struct DeviceMemoryTests {
  struct Row: Decodable {
    var batchPerRank: Double
    var memoryBytes: Int
    var fitsDevice: Bool
    enum CodingKeys: String, CodingKey {
      case batchPerRank = "batch_per_rank"
      case memoryBytes = "memory_bytes"
      case fitsDevice = "fits_device"
    }
  }

  @Test func predictMarksABatchThatDoesNotFitAndOptimizeAvoidsIt() throws {
    let directory = try FitPredictCommandTests.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    #expect(fit.status == 0, "stderr: \(fit.standardError)")
    func predict(batch: Int) throws -> Row {
      let result = try runDlscale([
        "predict", "--models", models, "--model", "vgg16", "--samples", "1e6", "--sample-time-ms", "10",
        "--nodes", "2", "--batch", "\(batch)", "--device-memory", "4GiB", "--format", "json",
      ])
      #expect(result.status == 0, "stderr: \(result.standardError)")
      return try JSONDecoder().decode([Row].self, from: Data(result.standardOutput.utf8))[0]
    }
    // VGG-16: 2.2 GB of weights, gradients, velocities and buckets, then about 55 MB of activations a sample.
    let small = try predict(batch: 8)
    let large = try predict(batch: 64)
    #expect(small.fitsDevice && small.memoryBytes <= 4 << 30)
    #expect(!large.fitsDevice && large.memoryBytes > 4 << 30)

    let table = try runDlscale([
      "predict", "--models", models, "--model", "vgg16", "--samples", "1e6", "--sample-time-ms", "10",
      "--nodes", "1", "--batch", "64", "--device-memory", "4GiB",
    ])
    #expect(table.standardOutput.contains("MiB/rank"))
    let row = table.standardOutput.split(separator: "\n").first { $0.hasPrefix("    1 ") }
    #expect(row?.hasSuffix("NO") == true, "stdout: \(table.standardOutput)")

    let optimize = try runDlscale([
      "optimize", "--models", models, "--model", "vgg16", "--samples", "1e6", "--sample-time-ms", "10",
      "--max-nodes", "2", "--batches", "8,64", "--device-memory", "4GiB", "--top", "50",
    ])
    #expect(optimize.status == 0, "stderr: \(optimize.standardError)")
    #expect(optimize.standardOutput.contains(" 8.0 "))
    #expect(!optimize.standardOutput.contains(" 64.0 "), "a batch that does not fit is never returned")
    #expect(!optimize.standardOutput.contains(" NO"))
  }

  @Test(arguments: [
    ["predict", "--models", "/dev/null", "--model", "vgg16", "--samples", "1e6", "--device-memory", "16XB"],
    ["optimize", "--models", "/dev/null", "--model", "vgg16", "--samples", "1e6", "--device-memory", "0"],
  ])
  func badSizesAreOneLine(arguments: [String]) throws {
    let result = try runDlscale(arguments)
    #expect(result.status != 0)
    #expect(result.standardError.split(separator: "\n").count == 1, "stderr: \(result.standardError)")
    #expect(result.standardError.contains("--device-memory"), "stderr: \(result.standardError)")
  }
}

/// `dlscale models --memory-batch`: each model's memory per rank, whose parts add up.
struct ModelsMemoryTests {
  struct Entry: Decodable {
    var name: String
    var memory_bytes: Int
    var memory_weights_bytes: Int
    var memory_gradients_bytes: Int
    var memory_optimizer_bytes: Int
    var memory_buckets_bytes: Int
    var memory_activations_bytes: Int
  }

  @Test func jsonPartsAddUpAndTheTableHasAColumn() throws {
    let json = try runDlscale(["models", "--memory-batch", "2", "--format", "json"])
    #expect(json.status == 0, "stderr: \(json.standardError)")
    let entries = try JSONDecoder().decode([Entry].self, from: Data(json.standardOutput.utf8))
    #expect(entries.count > 5)
    for entry in entries {
      #expect(
        entry.memory_bytes
          == entry.memory_weights_bytes + entry.memory_gradients_bytes + entry.memory_optimizer_bytes
          + entry.memory_buckets_bytes
          + entry.memory_activations_bytes, "\(entry.name)")
    }
    let table = try runDlscale(["models", "--memory-batch", "2"])
    #expect(table.standardOutput.contains("MiB/rank"))
    let bad = try runDlscale(["models", "--memory-batch", "0"])
    #expect(bad.status != 0 && bad.standardError.contains("--memory-batch"))
  }
}
