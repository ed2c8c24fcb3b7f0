import ArgumentParser
import Foundation
import Kernels
import Measurements

/// `dlscale demo`: the main job on this machine with no setup: every allreduce algorithm over a
/// size sweep and the p2p matrix at 2 and 4 ranks, a short weak-scaling sweep of a small
/// reference model at 1, 2 and 4 ranks, then a fit of what it measured, a prediction for a
/// larger cluster with its error band, and a report.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Measure this machine (collectives, p2p, training), fit, predict and write a report.")

  @Option(help: "Directory for the results, models.json and the report.")
  var output = "dlscale-results"

  @Option(help: "Largest allreduce size.")
  var maxSize = "16MiB"

  @Option(help: "The model of the weak-scaling sweep and the prediction.")
  var model = "deepmnist"

  @Option(help: "Seconds before one run is killed.")
  var timeout: Double = 300

  func validate() throws {
    _ = try parseSizes(maxSize, option: "--max-size")
    if let problem = trainingOptions.problem(of: .model) { throw ValidationError(problem) }
  }

  /// The options of every training run of the sweep: the defaults but a larger batch and fewer steps.
  var trainingOptions: TrainingOptions { TrainingOptions(model: model, batch: 16, scaling: .weak, steps: 4) }

  func run() throws {
    let started = Date()
    let (mpirun, agent) = try Launcher.locate(mpirun: nil, agent: nil)
    let launcher = Launcher.local(mpirun: mpirun, agent: agent)
    let files = (
      allreduce: ResultsFile(path: output + "/allreduce.jsonl"), p2p: ResultsFile(path: output + "/p2p.jsonl"),
      train: ResultsFile(path: output + "/train.jsonl")
    )
    for file in [files.allreduce, files.p2p, files.train] { try file.prepare() }
    func launch(_ ranks: Int, _ benchmark: String, _ arguments: [String], into file: ResultsFile) throws -> [Record] {
      try AgentRun(
        launcher: launcher, ranks: ranks, benchmark: benchmark, arguments: arguments, timeout: timeout, results: file
      ).run()
    }

    var collective: [Record] = []
    var pointToPoint: [Record] = []
    for ranks in [2, 4] {
      print("== allreduce, every algorithm, \(ranks) ranks ==")
      collective += try launch(
        ranks, "allreduce", ["--sizes", "8:\(maxSize)", "--algorithms", "all", "--seconds-per-size", "1"],
        into: files.allreduce)
      print("== point to point, \(ranks) ranks ==")
      pointToPoint += try launch(ranks, "p2p", ["--sizes", "8,1MiB"], into: files.p2p)
    }
    var training: [Record] = []
    for ranks in [1, 2, 4] {
      print("== \(model) weak scaling, \(ranks) rank(s) ==")
      training += try launch(ranks, "train", trainingOptions.agentArguments(), into: files.train)
    }

    print("== fit ==")
    let modelsPath = output + "/models.json"
    let fit = try FitCommand.parse([files.allreduce.path, files.p2p.path, files.train.path, "-o", modelsPath])
    try fit.run()
    print("== prediction: \(model), 1e7 samples × 10 epochs, over this machine's interconnect ==")
    let predict = try PredictCommand.parse([
      "--models", modelsPath, "--model", model, "--samples", "1e7", "--epochs", "10", "--nodes", "1,2,4,8,16,32,64",
      "--batch", "\(trainingOptions.batch)",
    ])
    try predict.run()
    print("== report ==")
    let report = try ReportCommand.parse([
      files.allreduce.path, files.p2p.path, files.train.path, "--models", modelsPath, "-o", output + "/report",
    ])
    try report.run()

    print("")
    print(DemoSummary(allreduce: collective, pointToPoint: pointToPoint, training: training).text)
    print("Results: \(output)/{allreduce,p2p,train}.jsonl, models \(modelsPath)")
    print("Report: \(output)/report/index.html")
    print(String(format: "Demo finished in %.0f s.", Date().timeIntervalSince(started)))
  }
}

/// The few lines a person reads after the demo.
struct DemoSummary {
  var allreduce: [Record]
  var pointToPoint: [Record]
  var training: [Record]

  var text: String {
    var lines = ["Summary (this machine, \(Launcher.localCores) cores):"]
    for ranks in Set(allreduce.compactMap(\.ranks)).sorted() {
      let points = allreduce.filter { $0.ranks == ranks && $0.timeUs != nil }
      guard let smallest = points.min(by: { $0.bytes! < $1.bytes! }),
        let best = points.max(by: { $0.busbwGbps! < $1.busbwGbps! })
      else { continue }
      let wrong = points.compactMap(\.wrong).reduce(0, +)
      lines.append(
        String(
          format: "  allreduce %d ranks: %.1f us at %@, peak bus bandwidth %.2f GB/s at %@, %@", ranks,
          smallest.timeUs!.mean, ByteSize.format(smallest.bytes!), best.busbwGbps!, ByteSize.format(best.bytes!),
          wrong == 0 ? "all results validated" : "\(wrong) WRONG elements"))
    }
    for ranks in Set(pointToPoint.compactMap(\.ranks)).sorted() {
      let points = pointToPoint.filter { $0.ranks == ranks }
      guard let small = points.map({ $0.bytes! }).min(), let large = points.map({ $0.bytes! }).max() else { continue }
      let latencies = points.filter { $0.bytes == small }.compactMap(\.latencyUs)
      let bandwidths = points.filter { $0.bytes == large }
      guard let slowest = bandwidths.min(by: { $0.bandwidthGbps! < $1.bandwidthGbps! }),
        let fastest = bandwidths.max(by: { $0.bandwidthGbps! < $1.bandwidthGbps! })
      else { continue }
      lines.append(
        String(
          format: "  p2p %d ranks: latency %.1f-%.1f us; bandwidth %.2f-%.2f GB/s (slowest pair %d->%d)", ranks,
          latencies.min() ?? 0, latencies.max() ?? 0, slowest.bandwidthGbps!, fastest.bandwidthGbps!, slowest.from!,
          slowest.to!))
    }
    let baseline = training.first { $0.ranks == 1 }
    for record in training.sorted(by: { ($0.ranks ?? 0) < ($1.ranks ?? 0) }) {
      guard let ranks = record.ranks, let throughput = record.samplesPerS, let step = record.stepMs else { continue }
      let efficiency = baseline?.stepMs.map { $0.mean / step.mean }
      lines.append(
        String(
          format: "  train %@ %d rank(s): %.1f samples/s, step %.1f ms (exposed communication %.1f ms)%@",
          record.model!,
          ranks, throughput, step.mean, record.exposedCommMs ?? 0,
          efficiency.map { String(format: ", weak-scaling efficiency %.0f%%", $0 * 100) } ?? ""))
    }
    return lines.joined(separator: "\n")
  }
}
