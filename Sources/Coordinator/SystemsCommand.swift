import ArgumentParser
import Fitting
import Foundation
import Measurements

/// `dlscale systems`: the catalogue of devices, links and systems `--system` may name, or one
/// system (a catalogue name or a YAML file) as YAML or JSON.
struct SystemsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "systems",
    abstract: "List the systems, devices and links --system may name, or show one system.",
    discussion: """
      Every figure comes from a public spec sheet, named in its source; latencies are typical \
      figures, not spec-sheet ones. A system file describes your own hardware:

      \(SystemFile.layout)
      """
  )

  @Argument(help: "A catalogue system or a system YAML file to show; without one, the catalogue.")
  var system: String?

  @Option(help: "Output format: text, yaml or json.")
  var format: String = "text"

  func validate() throws {
    guard ["text", "yaml", "json"].contains(format) else {
      throw ValidationError("--format must be text, yaml or json")
    }
  }

  func run() throws {
    if let system {
      let described = try SystemFile.option(system)
      switch format {
      case "json": print(try Self.json(described))
      case "yaml": print(SystemFile.yaml(described), terminator: "")
      default: print(Self.text(described))
      }
      return
    }
    switch format {
    case "json": print(try Self.json(SystemCatalogue.systems))
    case "yaml": print(SystemCatalogue.systems.map(SystemFile.yaml).joined(separator: "---\n"), terminator: "")
    default: print(Self.catalogue())
    }
  }

  static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// One system, every figure with its source.
  static func text(_ system: SystemDescription) -> String {
    var lines = [system.line]
    if let summary = system.summary { lines.append("  \(summary)") }
    let device = system.device
    let figures = [
      device.peakFlops.map { "peak \(FlopRate.format($0))" },
      device.memoryBandwidthBytesPerS.map { "memory bandwidth \(DataRate(bytesPerSecond: $0).bytesText)" },
      device.memoryBytes.map { "memory \(ByteSize.format($0))" },
    ].compactMap { $0 }
    lines.append("  device \(device.name): \(figures.joined(separator: ", ")) (\(device.source))")
    if let intra = system.intraNode { lines.append("  within a node: \(intra.text) (\(intra.source))") }
    lines.append("  between nodes: \(system.interNode.text) (\(system.interNode.source))")
    for entry in system.throughput {
      let engine = entry.engine.map { ", \($0)" } ?? ""
      let source = entry.source.map { " (\($0))" } ?? ""
      lines.append("  throughput \(entry.model) batch \(entry.batch): \(entry.samplesPerS) samples/s\(engine)\(source)")
    }
    if system.measured { lines.append("  measured: compute and communication come from the fits in models.json") }
    return lines.joined(separator: "\n")
  }

  /// The catalogue as three tables.
  static func catalogue() -> String {
    func table(_ header: [String], _ rows: [[String]]) -> [String] {
      let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
      func line(_ cells: [String]) -> String {
        zip(cells, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
          .trimmingCharacters(in: .whitespaces)
      }
      return [line(header)] + rows.map(line)
    }
    var lines = ["Systems (--system NAME; a YAML file describes your own: dlscale systems --help):"]
    lines += table(
      ["name", "devices/node", "device", "within a node", "between nodes"],
      SystemCatalogue.systems.map {
        [$0.name, String($0.devicesPerNode), $0.device.name, $0.intraNode?.name ?? "-", $0.interNode.name]
      })
    lines += ["", "Devices (peak FP32, memory bandwidth, memory):"]
    lines += table(
      ["name", "peak", "bandwidth", "memory"],
      SystemCatalogue.devices.map {
        [
          $0.name, $0.peakFlops.map(FlopRate.format) ?? "-",
          $0.memoryBandwidthBytesPerS.map { DataRate(bytesPerSecond: $0).bytesText } ?? "-",
          $0.memoryBytes.map(ByteSize.format) ?? "-",
        ]
      })
    lines += ["", "Links (one direction; latencies typical, not spec-sheet figures):"]
    lines += table(
      ["name", "rate", "latency"],
      SystemCatalogue.links.map {
        [$0.name, DataRate(bytesPerSecond: $0.bytesPerS).description, TimeSpan.format(seconds: $0.latencyS)]
      })
    lines += ["", "Sources: dlscale systems NAME shows one system with the source of every figure."]
    return lines.joined(separator: "\n")
  }
}
