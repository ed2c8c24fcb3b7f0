import ArgumentParser
import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// `100gbit`, `100Gbps`, `100Gb/s` and `12.5GB/s` are one rate in every command that takes a
/// rate, and `1gbps` is one gigabit per second everywhere (bits with a lower-case b, bytes with
/// a capital B).
struct RateOptionTests {
  static let spellings = ["100gbit", "100Gbps", "100Gb/s", "12.5GB/s"]
  static let echo = "100 Gbit/s = 12.5 GB/s"

  /// One rate option of one command: the arguments around it, and how to read the parsed rate.
  struct RateOption: CustomStringConvertible, Sendable {
    var command: [String]
    var option: String
    var before: [String]
    var value: @Sendable (String) -> [String]
    var read: @Sendable (any ParsableCommand) throws -> DataRate?

    var description: String { (command + [option]).joined(separator: " ") }
  }

  static let prediction = ["--models", "m.json", "--model", "resnet50", "--samples", "1e6"]

  /// Every rate option there is (`everyRateOptionIsCovered` finds them in the help).
  static let options: [RateOption] = [
    RateOption(
      command: ["predict"], option: "--link-rate", before: prediction, value: { [$0] },
      read: { ($0 as? PredictCommand)?.options.linkRate }),
    RateOption(
      command: ["optimize"], option: "--link-rate", before: prediction, value: { [$0] },
      read: { ($0 as? OptimizeCommand)?.options.linkRate }),
    RateOption(
      command: ["report"], option: "--link-rate", before: ["r.jsonl", "-o", "out"], value: { [$0] },
      read: { ($0 as? ReportCommand)?.linkRate }),
    RateOption(
      command: ["p2p"], option: "--link-rate", before: ["--np", "2"], value: { [$0] },
      read: { ($0 as? P2PCommand)?.linkRate }),
    RateOption(
      command: ["cluster", "up"], option: "--rate", before: ["--name", "lab"], value: { [$0] },
      read: { ($0 as? ClusterCommand.Up)?.rate }),
    RateOption(
      command: ["cluster", "up"], option: "--rate-of", before: ["--name", "lab"], value: { ["h2=\($0)"] },
      read: { command in
        // The script receives tc's units; read them back as a rate.
        let arguments = try #require(command as? ClusterCommand.Up).scriptArguments()
        let index = try #require(arguments.firstIndex(of: "--rate-of"))
        return try DataRate(parsing: String(arguments[index + 1].dropFirst("h2=".count)))
      }),
  ]

  static var cases: [(RateOption, String)] { options.flatMap { option in spellings.map { (option, $0) } } }

  @Test(arguments: cases)
  func everySpellingIsTheSameRate(option: RateOption, spelling: String) throws {
    let command = try Coordinator.parseAsRoot(option.command + option.before + [option.option] + option.value(spelling))
    let rate = try #require(try option.read(command), "\(option) \(spelling) gave no rate")
    #expect(abs(rate.bitsPerSecond - 100e9) <= 1e-3, "\(option) \(spelling): \(rate)")
    #expect(rate.description == Self.echo)
  }

  @Test(arguments: options)
  func oneGbpsIsOneGigabitPerSecond(option: RateOption) throws {
    let command = try Coordinator.parseAsRoot(option.command + option.before + [option.option] + option.value("1gbps"))
    #expect(try option.read(command) == DataRate(bitsPerSecond: 1e9), "\(option) 1gbps")
  }

  @Test(arguments: options)
  func aBadRateIsRefusedNamingTheAcceptedForms(option: RateOption) {
    #expect {
      _ = try Coordinator.parseAsRoot(option.command + option.before + [option.option] + option.value("10gbyte"))
    } throws: { error in
      let message = Coordinator.message(for: error)
      return message.contains("100Gbps") && message.contains("12.5GB/s") && !message.contains("\n")
    }
  }

  /// The options named `--…rate…` in the help of every command: the list above must hold them all.
  @Test func everyRateOptionIsCovered() {
    func commands(_ type: any ParsableCommand.Type, path: [String]) -> [([String], any ParsableCommand.Type)] {
      let subcommands = type.configuration.subcommands
      return [(path, type)] + subcommands.flatMap { commands($0, path: path + [$0._commandName]) }
    }
    var found: Set<String> = []
    for (path, type) in commands(Coordinator.self, path: []) where !path.isEmpty {
      let help = Coordinator.helpMessage(for: type, columns: 1000)
      let words = help.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "<" }).map {
        $0.trimmingCharacters(in: CharacterSet(charactersIn: ").:;"))
      }
      for word in words where word.hasPrefix("--") && word.contains("rate") && !word.contains("iterat") {
        found.insert((path + [String(word)]).joined(separator: " "))
      }
    }
    #expect(found == Set(Self.options.map(\.description)), "rate options in the help: \(found.sorted())")
  }

  /// End to end: `predict` prints the rate as it took it, and each spelling predicts the same.
  @Test func predictEchoesTheRateAndEachSpellingPredictsTheSame() throws {
    let directory = try FitPredictCommandTests.fixture()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let models = directory + "/models.json"
    let fit = try runDlscale(["fit", directory + "/results.jsonl", "-o", models])
    try #require(fit.status == 0, "stderr: \(fit.standardError)")
    var outputs: Set<String> = []
    for spelling in Self.spellings {
      let predict = try runDlscale([
        "predict", "--models", models, "--model", "resnet50", "--samples", "1e6", "--nodes", "1,4",
        "--link-rate", spelling, "--latency", "5us",
      ])
      #expect(predict.status == 0, "\(spelling): \(predict.standardError)")
      #expect(
        predict.standardOutput.contains("given: link rate \(Self.echo), latency 5 us"), "\(predict.standardOutput)")
      outputs.insert(predict.standardOutput)
    }
    #expect(outputs.count == 1, "the spellings predicted differently: \(outputs)")
  }

  /// End to end: `report` draws the same ceiling for each spelling and says how it took it.
  @Test(arguments: spellings)
  func reportEchoesTheRate(spelling: String) throws {
    let output = try Executables.temporaryDirectory() + "/report"
    let result = try Executables.run(
      [Executables.coordinator, "report", ReportFixturePaths.results[0], "--link-rate", spelling, "-o", output])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("dlscale: link rate \(Self.echo)"), "\(result.stdout)")
    let summary = try String(contentsOfFile: output + "/summary.md", encoding: .utf8)
    #expect(summary.contains(Self.echo), "\(summary)")
  }
}
