import Foundation
import Testing

/// `dlscale models` end to end: the built binary's JSON listing, and one line of error for bad
/// input.
struct ModelsCommandTests {
  /// The fields of one model in `dlscale models --format json` that this test reads.
  struct Entry: Decodable {
    var name: String
    var params: Int
    var trainableParams: Int
    var sizeMB: Double
    var forwardGMACs: Double
    var forwardGFLOPs: Double
    var publishedParams: Int?
    var publishedForwardGMACs: Double?

    enum CodingKeys: String, CodingKey {
      case name, params
      case trainableParams = "trainable_params"
      case sizeMB = "size_mb"
      case forwardGMACs = "forward_gmacs"
      case forwardGFLOPs = "forward_gflops"
      case publishedParams = "published_params"
      case publishedForwardGMACs = "published_forward_gmacs"
    }
  }

  static let names = [
    "alexnet", "googlenet", "vgg16", "vgg19", "resnet50", "resnet101", "resnet152", "acoustic",
    "textcnn", "deepmnist", "sensornet",
  ]

  @Test func jsonListsEveryModelWithItsPublishedCount() throws {
    let result = try runDlscale(["models", "--format", "json"])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    let entries = try JSONDecoder().decode([Entry].self, from: Data(result.standardOutput.utf8))
    #expect(entries.map(\.name) == Self.names)
    for entry in entries {
      #expect(entry.params == entry.publishedParams, "\(entry.name)")
      #expect(entry.trainableParams <= entry.params)
      #expect(entry.sizeMB == Double(entry.params) * 4 / 1_048_576)
      #expect(entry.forwardGFLOPs == 2 * entry.forwardGMACs)
      if let published = entry.publishedForwardGMACs {
        #expect(abs(entry.forwardGMACs - published) / published < 0.01, "\(entry.name)")
      }
    }
    let resNet50 = try #require(entries.first { $0.name == "resnet50" })
    #expect(resNet50.params == 25_610_269)
    #expect(resNet50.trainableParams == 25_557_096)
  }

  @Test func tableMarksEveryCountAsMatching() throws {
    let result = try runDlscale(["models"])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    for name in Self.names { #expect(result.standardOutput.contains(name)) }
    #expect(result.standardOutput.contains("25,610,269"))
    #expect(result.standardOutput.contains("✓"))
    #expect(!result.standardOutput.contains("✗"))
  }

  @Test func layersOfOneModel() throws {
    let result = try runDlscale(["models", "--model", "textcnn", "--layers"])
    #expect(result.status == 0, "stderr: \(result.standardError)")
    #expect(result.standardOutput.contains("384×59×1"))
  }

  @Test(arguments: [
    ["models", "--format", "xml"], ["models", "--model", "resnet51"], ["models", "--layers"],
  ])
  func badInputExitsNonZeroWithOneLine(arguments: [String]) throws {
    let result = try runDlscale(arguments)
    #expect(result.status != 0)
    #expect(result.standardOutput.isEmpty)
    let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(lines.count == 1, "stderr: \(result.standardError)")
  }
}

/// What a finished `dlscale` run wrote and returned.
struct CommandResult {
  var status: Int32
  var standardOutput: String
  var standardError: String
}

/// Runs the built `dlscale` with `arguments` and waits for it.
func runDlscale(_ arguments: [String]) throws -> CommandResult {
  let executable = try #require(
    builtDlscale(), "dlscale is not built next to the tests; run `swift build` first")
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  let output = Pipe()
  let error = Pipe()
  process.standardOutput = output
  process.standardError = error
  try process.run()
  let outputData = output.fileHandleForReading.readDataToEndOfFile()
  let errorData = error.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CommandResult(
    status: process.terminationStatus,
    standardOutput: String(decoding: outputData, as: UTF8.self),
    standardError: String(decoding: errorData, as: UTF8.self))
}

/// `dlscale` in the directory of the running test bundle, or in the package's `.build/debug`.
private func builtDlscale() -> URL? {
  let bundleDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent()
  let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let candidates = [
    bundleDirectory.appendingPathComponent("dlscale"),
    packageRoot.appendingPathComponent(".build/debug/dlscale"),
  ]
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}
