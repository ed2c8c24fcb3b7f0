import ArgumentParser
import Fitting
import Foundation
import Reporting

/// `dlscale report`: a scaling report from results files (and fitted models), for a person to
/// read at a glance: DIR/index.html, DIR/summary.md and DIR/<kind>.csv.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a scaling report: index.html (charts), summary.md and CSV tables.",
    discussion: """
      index.html is one self-contained file (inline SVG charts, no network). A torn last line in \
      a results file is reported and skipped; a missing, empty, binary or newer-schema file is \
      an error.
      """)

  @Argument(help: "Results files (JSONL) to report on.")
  var results: [String] = []

  @Option(help: "models.json from `dlscale fit`: the allreduce models and scaling laws, with their held-out errors.")
  var models: String?

  @Option(
    help: "The link rate, drawn as the bus-bandwidth ceiling (e.g. 200mbit, 10gbit); default: models.json's links.")
  var linkRate: String?

  @Option(name: [.short, .customLong("output")], help: "Directory to write the report into.")
  var output: String

  func validate() throws {
    if results.isEmpty { throw ValidationError("no results files given (dlscale report RESULTS... -o DIR)") }
    if let linkRate {
      do { _ = try LinkCeiling(parsing: linkRate) } catch { throw ValidationError(error.description) }
    }
  }

  func run() throws {
    let input: ResultsInput
    do { input = try ResultsInput.read(paths: results) } catch { throw CommandError(error.description) }
    for warning in input.warnings { printError("dlscale: \(warning)") }
    var document: ModelsFile?
    if let models {
      do { document = try ModelsFile.read(path: models) } catch { throw CommandError("\(error)") }
    }
    var ceiling: LinkCeiling?
    if let linkRate {
      do { ceiling = try LinkCeiling(parsing: linkRate) } catch { throw CommandError(error.description) }
    }
    let report = ScalingReport(records: input.records, models: document, linkRate: ceiling)
    do { try report.write(to: output) } catch { throw CommandError(error.description) }
    print("dlscale: report of \(input.records.count) records written to \(output)/index.html (and summary.md, CSV)")
  }
}
