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

  @Option(
    name: .long,
    help:
      "Time the layers of this reference model (see dlscale models) or of \(BenchmarkNetworks.names.joined(separator: ", ")) instead of the built-in table; records carry the model and layer names."
  )
  var model: String?

  @Option(name: .long, help: "Threads for OpenBLAS and the layers' own loops.")
  var threads: Int = 1

  @Option(name: .long, help: "Timed repetitions per case and pass (after one warm-up).")
  var `repeat`: Int = 5

  @Option(name: .long, help: "Batch size (images per pass).")
  var batch: Int = 8

  @Option(
    name: .long,
    help:
      "Time whole training steps of a network instead: a reference model or \(BenchmarkNetworks.names.joined(separator: ", "))."
  )
  var network: String?

  @Flag(name: .long, help: "With --network: also print each layer's forward and backward time of the last step.")
  var layerTimes = false

  @Option(name: .long, help: "Append kernel records to this JSON-lines results file.")
  var output: String?

  var operations: [String] {
    layers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
  }

  func validate() throws {
    let unknown = operations.filter { !KernelCase.operations.contains($0) }
    guard unknown.isEmpty else {
      throw ValidationError(
        "unknown operation(s) \(unknown.joined(separator: ", ")); choose from \(KernelCase.operations.joined(separator: ","))"
      )
    }
    guard !operations.isEmpty else { throw ValidationError("--layers names no operation") }
    guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    guard `repeat` > 0 else { throw ValidationError("--repeat must be positive, got \(`repeat`)") }
    guard batch > 0 else { throw ValidationError("--batch must be positive, got \(batch)") }
    if let network, BenchmarkNetworks.named(network) == nil, !Zoo.names.contains(network) {
      throw ValidationError(
        "unknown network \(network); choose from \((Zoo.names + BenchmarkNetworks.names).joined(separator: ", "))")
    }
    if let model, !Zoo.names.contains(model), BenchmarkNetworks.named(model) == nil {
      throw ValidationError(
        "unknown model '\(model)' (known: \((Zoo.names + BenchmarkNetworks.names).joined(separator: ", ")))")
    }
  }

  func run() throws {
    BLAS.restartWithSuggestedEnvironmentIfNeeded(threads: threads)
    let results = output.map(ResultsFile.init(path:))
    try results?.prepare()
    if let network {
      let spec = try BenchmarkNetworks.named(network) ?? Zoo.spec(named: network)
      var record = try Self.timeTraining(spec, batch: batch, threads: threads, steps: `repeat`, layerTimes: layerTimes)
      record.command = CommandLine.arguments
      try results?.append(record)
      return
    }
    let benchmark = KernelBenchmark(batch: batch, threads: threads, repeats: `repeat`, model: model)
    print("OpenBLAS kernels: \(BLAS.coreName), \(threads) thread(s), batch \(batch)")
    print(Self.row("op", "pass", "median µs", "GFLOP/s", "shape"))
    let cases =
      try model.map { try KernelCase.cases(from: BenchmarkNetworks.named($0) ?? Zoo.spec(named: $0)) }
      ?? KernelCase.builtIn
    let records = try benchmark.run(cases, operations: Set(operations)) { record in
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

  /// Times `steps` training steps after two warm-up steps; prints and returns a `train` record.
  static func timeTraining(_ spec: ModelSpec, batch: Int, threads: Int, steps: Int, layerTimes: Bool) throws -> Record {
    let network = try Network(spec: spec, batchSize: batch, threads: threads)
    let session = TrainingSession(network: network)
    session.loadSyntheticBatch(seed: 1)
    for _ in 0..<2 { session.step() }
    let timings = (0..<steps).map { _ in session.step() }
    var record = Record(kind: .train, runId: Record.newRunId())
    let stepMs = Summary(of: timings.map { $0.totalSeconds * 1e3 })
    record.model = spec.name
    record.batchPerRank = batch
    record.globalBatch = batch
    record.ranks = 1
    record.steps = steps
    record.threads = threads
    record.stepMs = stepMs
    record.forwardMs = timings.reduce(0) { $0 + $1.forwardSeconds } * 1e3 / Double(steps)
    record.backwardMs = timings.reduce(0) { $0 + $1.backwardSeconds } * 1e3 / Double(steps)
    record.updateMs = timings.reduce(0) { $0 + $1.updateSeconds } * 1e3 / Double(steps)
    record.samplesPerS = Double(batch) / (stepMs.median * 1e-3)
    print(
      String(
        format:
          "%@ batch %d threads %d: step %.1f ms median (forward %.1f, backward %.1f, update %.1f), %.1f samples/s, loss %.3f",
        spec.name, batch, threads, stepMs.median, record.forwardMs!, record.backwardMs!, record.updateMs!,
        record.samplesPerS!, Double(timings.last!.loss)))
    if layerTimes {
      for (index, layer) in spec.layers.enumerated() {
        print(
          String(
            format: "  %@ forward %8.2f ms  backward %8.2f ms",
            layer.name.padding(toLength: 24, withPad: " ", startingAt: 0), network.forwardSeconds[index] * 1e3,
            network.backwardSeconds[index] * 1e3))
      }
    }
    return record
  }

  static func row(_ op: String, _ pass: String, _ time: String, _ rate: String, _ shape: String) -> String {
    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
      let space = String(repeating: " ", count: max(0, width - text.count))
      return right ? space + text : text + space
    }
    return "\(pad(op, 8)) \(pad(pass, 9)) \(pad(time, 12, right: true)) \(pad(rate, 9, right: true))  \(shape)"
  }
}
