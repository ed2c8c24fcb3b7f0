import ArgumentParser
import Fitting
import Measurements

/// The options `predict` and `optimize` share: the models file, the zoo model, the amount of
/// training, and overrides of the fitted link and compute speed.
struct PredictionOptions: ParsableArguments {
  @Option(
    help: "The models file written by dlscale fit (not needed when every --system is a described, unmeasured one).")
  var models: String?

  @Option(
    name: .customLong("system"),
    help: """
      A system to answer for: a catalogue name (dlscale systems) or a YAML file; repeat to compare. \
      Without it, the machine models.json measured.
      """)
  var systems: [String] = []

  @Option(help: "Share of a device's peak FLOP/s assumed when compute is priced from the peak (0 < e ≤ 1).")
  var deviceEfficiency: Double = TrainingTimePrediction.defaultDeviceEfficiency

  @Option(help: "The zoo model to train (see dlscale models).")
  var model: String

  @Option(help: "Training samples per epoch, e.g. 1e8.")
  var samples: String

  @Option(help: "Epochs.")
  var epochs: String = "1"

  @Option(
    help: "Link rate instead of the fitted β: 100gbit, 100Gbps and 100Gb/s are bits, 12.5GB/s bytes per second.",
    transform: UnitArgument.rate)
  var linkRate: DataRate?

  @Option(help: "Per-message latency instead of the fitted α, e.g. 5us.", transform: UnitArgument.seconds)
  var latency: Double?

  @Option(help: "Compute speed relative to the measured machine (2.0 = twice as fast).")
  var computeSpeed: Double = 1

  @Option(help: "Forward + backward milliseconds per sample, instead of a fitted compute model.")
  var sampleTimeMs: Double?

  @Option(
    help: """
      κ, compute milliseconds added per millisecond of communication hidden behind it, instead of \
      the fitted one (which applies only when measured across hosts, without overrides).
      """)
  var interference: Double?

  /// The request these options describe (node-independent parts).
  func request() throws -> TrainingTimePrediction.Request {
    var request = TrainingTimePrediction.Request(
      model: model, samples: try PhysicalQuantity.positiveNumber(samples, option: "--samples"),
      epochs: try PhysicalQuantity.positiveNumber(epochs, option: "--epochs"))
    request.linkBytesPerS = linkRate?.bytesPerSecond
    request.latencyS = latency
    guard computeSpeed > 0, computeSpeed.isFinite else {
      throw ValidationError("--compute-speed must be positive")
    }
    request.computeSpeed = computeSpeed
    if let sampleTimeMs, !(sampleTimeMs > 0 && sampleTimeMs.isFinite) {
      throw ValidationError("--sample-time-ms must be positive")
    }
    request.sampleTimeMs = sampleTimeMs
    if let interference, !(interference >= 0 && interference.isFinite) {
      throw ValidationError("--interference must be zero or positive")
    }
    request.interference = interference
    guard deviceEfficiency > 0, deviceEfficiency <= 1 else {
      throw ValidationError("--device-efficiency must be in (0, 1]")
    }
    request.deviceEfficiency = deviceEfficiency
    return request
  }

  /// The systems of `--system`, resolved; `[nil]` (the measured machine) without one.
  func resolvedSystems() throws -> [SystemDescription?] {
    guard !systems.isEmpty else { return [nil] }
    return try systems.map(SystemFile.option)
  }

  /// The overrides as taken, for the line above a table: `given: link rate 100 Gbit/s = 12.5 GB/s`.
  var overridesText: String? {
    let parts = [
      linkRate.map { "link rate \($0)" }, latency.map { "latency \(TimeSpan.format(seconds: $0))" },
      interference.map { "interference κ \($0) ms per ms" },
    ]
    let given = parts.compactMap { $0 }
    return given.isEmpty ? nil : "given: " + given.joined(separator: ", ")
  }

  /// models.json for `system`: required for the measured machine and measured systems; an
  /// unmeasured system needs nothing measured, and gets an empty file when none is given (its
  /// compute and links come from its description).
  func modelsFile(for system: SystemDescription?) throws -> ModelsFile {
    if let models { return try ModelsFile.read(path: models) }
    guard let system else {
      throw ValidationError("--models is required without --system (the models file written by dlscale fit)")
    }
    guard !system.measured else {
      throw ValidationError("--models is required: system '\(system.name)' is measured, its fits are in models.json")
    }
    return ModelsFile()
  }
}
