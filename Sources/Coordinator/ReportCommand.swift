import ArgumentParser
import Fitting
import Foundation
import Measurements
import Reporting

/// `dlscale report`: a scaling report from results files (and fitted models), for a person to
/// read at a glance: DIR/index.html, DIR/summary.md and DIR/<kind>.csv.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a scaling report: index.html (charts), summary.md and CSV tables.",
    discussion: """
      The report opens with the answer: per training series, hours to train --samples × --epochs \
      and samples/s, measured and (with --models) predicted, each prediction with its ± band. \
      index.html is one self-contained file (inline SVG charts, no network). A torn last line in \
      a results file is reported and skipped; a missing, empty, binary or newer-schema file is \
      an error.
      """)

  @Argument(help: "Results files (JSONL) to report on.")
  var results: [String] = []

  @Option(help: "models.json from `dlscale fit`: the allreduce models and scaling laws, with their held-out errors.")
  var models: String?

  @Option(
    help: """
      The link rate, drawn as the bus-bandwidth ceiling: 100gbit, 100Gbps and 100Gb/s are bits, \
      12.5GB/s bytes per second; default: models.json's links.
      """,
    transform: UnitArgument.rate)
  var linkRate: DataRate?

  @Option(help: "Training samples per epoch of the workload the report's opening answer is for, e.g. 1e8.")
  var samples: String = "1e6"

  @Option(help: "Epochs of that workload.")
  var epochs: String = "1"

  @Option(name: [.short, .customLong("output")], help: "Directory to write the report into.")
  var output: String

  func validate() throws {
    if results.isEmpty { throw ValidationError("no results files given (dlscale report RESULTS... -o DIR)") }
    _ = try workload()
  }

  /// The workload of the opening answer, from `--samples` and `--epochs`.
  func workload() throws -> TimeToTrain.Workload {
    TimeToTrain.Workload(
      samples: try PhysicalQuantity.positiveNumber(samples, option: "--samples"),
      epochs: try PhysicalQuantity.positiveNumber(epochs, option: "--epochs"))
  }

  func run() throws {
    let input: ResultsInput
    do { input = try ResultsInput.read(paths: results) } catch { throw CommandError(error.description) }
    for warning in input.warnings { printError("dlscale: \(warning)") }
    var document: ModelsFile?
    if let models {
      do { document = try ModelsFile.read(path: models) } catch { throw CommandError("\(error)") }
    }
    let report = ScalingReport(
      records: input.records, models: document, linkRate: linkRate, workload: try workload())
    do { try report.write(to: output) } catch { throw CommandError(error.description) }
    if let ceiling = report.ceiling { print("dlscale: link rate \(ceiling)") }
    print("dlscale: report of \(input.records.count) records written to \(output)/index.html (and summary.md, CSV)")
  }
}
