import ArgumentParser
import Fitting
import Foundation
import Measurements

/// `dlscale fit RESULTS... [-o models.json]`: fits the communication, link, compute and scaling
/// models to results files and writes them, with each model's held-out error, as models.json.
struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Fit communication, compute and scaling models to results files.",
    discussion: """
      Reads allreduce, p2p, train and kernel records; fits per allreduce algorithm the \
      structural α, β, γ and piecewise Hockney lines, the link latency and bandwidth, per model \
      the step compute time and the Amdahl, Gustafson and USL scaling curves, and the per-kernel \
      regression with its roofline baseline. Every model's held-out MAPE is printed and stored. \
      Torn lines are reported and skipped; models without enough points are listed and skipped.
      """
  )

  /// Unreadable lines reported one by one per file; the rest are counted.
  static let warningsPerFile = 10

  @Argument(help: "Results files (JSON lines) to read.")
  var results: [String]

  @Option(name: [.short, .customLong("output")], help: "Where to write the fitted models.")
  var output = "models.json"

  @Option(
    help: """
      Where the Hockney pieces meet: eager-limit (OpenMPI's TCP eager limit, 64 KiB) or data \
      (the measured size that fits best).
      """)
  var breakpoint = "eager-limit"

  func validate() throws {
    guard ["eager-limit", "data"].contains(breakpoint) else {
      throw ValidationError("--breakpoint must be eager-limit or data")
    }
  }

  func run() throws {
    var records: [Record] = []
    var warnings: [String] = []
    for path in results {
      let contents = try ResultsFile(path: path).read()
      warnings += contents.problems.prefix(Self.warningsPerFile).map { "dlscale: warning: \($0)" }
      if contents.problems.count > Self.warningsPerFile {
        warnings.append(
          "dlscale: warning: \(path): \(contents.problems.count - Self.warningsPerFile) more unreadable lines ignored")
      }
      records += contents.records
    }
    // Nothing usable is one error line (naming the first unreadable line), not warnings and an error.
    guard !records.isEmpty else {
      let first = warnings.first.map { "; \($0.replacingOccurrences(of: "dlscale: warning: ", with: ""))" } ?? ""
      throw FitCommandError.noRecords(results.joined(separator: ", ") + first)
    }
    for warning in warnings { printError(warning) }
    let models = ModelFitter.fit(records, breakpoint: breakpoint == "data" ? .chosenByData : .eagerLimit)
    guard !models.isEmpty else {
      throw FitCommandError.nothingFitted(models.problems.first ?? "no allreduce, p2p, train or kernel records")
    }
    print(ModelsSummary.text(models))
    if let measured = models.provenance {
      let ranks = measured.rankCounts.map(String.init).joined(separator: ", ")
      print("Measured on \(measured.text), ranks \(ranks.isEmpty ? "none" : ranks)")
    }
    if let interference = models.interference, !interference.measuredAcrossHosts {
      print("κ was measured on one host: predictions apply it only when given with --interference")
    }
    do {
      try models.json().write(to: URL(fileURLWithPath: output))
    } catch {
      throw FitCommandError.cannotWrite(output, error.localizedDescription)
    }
    print("wrote \(output)")
    let systemPath = ((output as NSString).deletingLastPathComponent as NSString).appendingPathComponent("system.yaml")
    if let system = MeasuredSystem.fitted(
      models, device: MeasuredSystem.recordedDevice(records), cpuName: MeasuredSystem.cpuName(),
      memoryBytes: MeasuredSystem.memoryBytes())
    {
      do { try SystemFile.yaml(system).write(toFile: systemPath, atomically: true, encoding: .utf8) } catch {
        throw FitCommandError.cannotWrite(systemPath, error.localizedDescription)
      }
      print("wrote \(systemPath): \(system.line)")
      if let summary = system.summary { print("  \(summary)") }
    } else {
      print("no link measured: no system.yaml written")
    }
  }
}

/// Why `dlscale fit` produced nothing, as one line.
enum FitCommandError: Error, CustomStringConvertible {
  case noRecords(String)
  case nothingFitted(String)
  case cannotWrite(String, String)

  var description: String {
    switch self {
    case .noRecords(let paths): "no records in \(paths)"
    case .nothingFitted(let first): "nothing could be fitted: \(first)"
    case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}
