import ArgumentParser
import Foundation
import Kernels
import Measurements

/// `dlscale kernels`: microbenchmarks of each layer kind over shapes typical of the reference
/// models, forward and backward, beside the bare SGEMM of the GEMM-heavy ones.
struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract: "Time each layer kind's forward and backward pass over typical shapes.")

  @Option(
    name: .long,
    help: "Comma-separated operations to time, from: \(KernelCase.operations.joined(separator: ",")).")
  var layers: String = KernelCase.operations.joined(separator: ",")

  @Option(name: .long, help: "Threads for OpenBLAS and the layers' own loops.")
  var threads: Int = 1

  @Option(name: .long, help: "Timed repetitions per case and pass (after one warm-up).")
  var `repeat`: Int = 5

  @Option(name: .long, help: "Batch size (images per pass).")
  var batch: Int = 8

  @Option(name: .long, help: "Append kernel records to this JSON-lines results file.")
  var output: String?

  var operations: [String] {
    layers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
  }

  func validate() throws {
    let unknown = operations.filter { !KernelCase.operations.contains($0) }
    guard unknown.isEmpty else {
      throw ValidationError(
        "unknown operation(s) \(unknown.joined(separator: ", ")); choose from \(KernelCase.operations.joined(separator: ","))")
    }
    guard !operations.isEmpty else { throw ValidationError("--layers names no operation") }
    guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    guard `repeat` > 0 else { throw ValidationError("--repeat must be positive, got \(`repeat`)") }
    guard batch > 0 else { throw ValidationError("--batch must be positive, got \(batch)") }
  }

  func run() throws {
    let results = output.map(ResultsFile.init(path:))
    try results?.prepare()
    let benchmark = KernelBenchmark(batch: batch, threads: threads, repeats: `repeat`)
    print(Self.row("op", "pass", "median µs", "GFLOP/s", "shape"))
    let records = try benchmark.run(operations: Set(operations)) { record in
      print(
        Self.row(
          record.op ?? "", record.pass ?? "", String(format: "%.1f", record.timeUs?.median ?? 0),
          String(format: "%.2f", record.gflops ?? 0), record.shape ?? ""))
    }
    if let results {
      var stamped = records
      for index in stamped.indices { stamped[index].command = CommandLine.arguments }
      try results.append(stamped)
      print("\(stamped.count) records appended to \(results.path)")
    }
  }

  static func row(_ op: String, _ pass: String, _ time: String, _ rate: String, _ shape: String) -> String {
    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
      let space = String(repeating: " ", count: max(0, width - text.count))
      return right ? space + text : text + space
    }
    return "\(pad(op, 8)) \(pad(pass, 9)) \(pad(time, 12, right: true)) \(pad(rate, 9, right: true))  \(shape)"
  }
}
