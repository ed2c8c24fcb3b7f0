import Foundation
import Measurements

/// Whole training steps of one network in one process: two untimed steps, then `steps` timed
/// ones, summarised as a one-rank `train` record (the step compute that `dlscale fit` models).
public struct TrainingStepBenchmark: Sendable {
  public var batch: Int
  public var threads: Int
  public var steps: Int
  public var runId: String

  public init(batch: Int, threads: Int, steps: Int, runId: String = Record.newRunId()) {
    precondition(batch > 0 && threads > 0 && steps > 0, "batch, threads and steps must be positive")
    self.batch = batch
    self.threads = threads
    self.steps = steps
    self.runId = runId
  }

  /// Times the steps, passes the summary line (and with `layerTimes` each layer's forward and
  /// backward time of the last step) to `print`, and returns the record.
  public func run(_ spec: ModelSpec, layerTimes: Bool, print: (String) -> Void) throws -> Record {
    let network = try Network(spec: spec, batchSize: batch, threads: threads)
    let session = TrainingSession(network: network)
    session.loadSyntheticBatch(seed: 1)
    for _ in 0..<2 { session.step() }
    let timings = (0..<steps).map { _ in session.step() }
    var record = Record(kind: .train, runId: runId)
    let stepMs = Summary(of: timings.map { $0.totalSeconds * 1e3 })
    let forwardMs = timings.reduce(0) { $0 + $1.forwardSeconds } * 1e3 / Double(steps)
    let backwardMs = timings.reduce(0) { $0 + $1.backwardSeconds } * 1e3 / Double(steps)
    let updateMs = timings.reduce(0) { $0 + $1.updateSeconds } * 1e3 / Double(steps)
    let samplesPerS = Double(batch) / (stepMs.median * 1e-3)
    record.model = spec.name
    record.batchPerRank = batch
    record.globalBatch = batch
    record.ranks = 1
    record.steps = steps
    record.threads = threads
    record.stepMs = stepMs
    record.forwardMs = forwardMs
    record.backwardMs = backwardMs
    record.updateMs = updateMs
    record.samplesPerS = samplesPerS
    print(
      String(
        format:
          "%@ batch %d threads %d: step %.1f ms median (forward %.1f, backward %.1f, update %.1f), %.1f samples/s, loss %.3f",
        spec.name, batch, threads, stepMs.median, forwardMs, backwardMs, updateMs, samplesPerS,
        Double(timings.last?.loss ?? 0)))
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
}
