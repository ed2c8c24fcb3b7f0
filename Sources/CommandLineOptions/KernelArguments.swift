import ArgumentParser
import Kernels

/// The options of `dlscale kernels` and `dlscale-agent kernels`, declared once: what to time
/// and how, read into the one `KernelMeasurement` both commands run.
public struct KernelArguments: ParsableArguments {
  @Option(help: "Comma-separated operations to time, from: \(KernelCase.operations.joined(separator: ",")).")
  public var layers: String = KernelCase.operations.joined(separator: ",")

  @Option(
    help:
      "Time the layers of this reference model (see dlscale models) or of \(BenchmarkNetworks.names.joined(separator: ", ")) instead of the built-in table; records carry the model and layer names."
  )
  public var model: String?

  @Option(help: "Threads for OpenBLAS and the layers' own loops (per rank: the cores it is bound to).")
  public var threads: Int = 1

  @Option(help: "Timed repetitions per case and pass (after one warm-up).")
  public var `repeat`: Int = 5

  @Option(help: "Batch size (images per pass).")
  public var batch: Int = 8

  @Option(
    help:
      "Time whole training steps of a network instead: a reference model or \(BenchmarkNetworks.names.joined(separator: ", "))."
  )
  public var network: String?

  @Flag(help: "With --network: also print each layer's forward and backward time of the last step.")
  public var layerTimes = false

  public init() {}

  /// What these options ask to measure.
  public var measurement: KernelMeasurement {
    KernelMeasurement(
      operations: KernelMeasurement.operations(in: layers), model: model, network: network, threads: threads,
      repeats: `repeat`, batch: batch, layerTimes: layerTimes)
  }

  public func validate() throws {
    if let problem = measurement.problem { throw ValidationError(problem) }
  }
}
