import ArgumentParser
import Fitting
import Foundation
import Kernels
import Measurements

/// `dlscale guide`: the Performance Guide. One table in the talk's layout for every model,
/// system and node count asked, priced as `dlscale predict --system` prices it, with each
/// system's notes above it and the observations that follow from the rows below it.
struct GuideCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "guide",
    abstract: "The Performance Guide: time to train every model on every system and node count asked.",
    discussion: """
      Each row is one model on one system at one node count: data (samples, epochs, model), \
      hardware (system, device, devices per node, nodes, interconnect), software (what prices \
      compute, batch, weak or strong scaling), then hours with their error band, samples/s, \
      scaling efficiency against one device, memory per device and whether it fits. Below the \
      table: whether more compute-intensive models scale more easily, whether a faster network \
      matters more for less compute-intensive ones (priced with the network \
      \(Int(PerformanceGuide.fasterNetworkFactor))× faster), and the largest batch each device holds, each with \
      its figures.
      """
  )

  @Option(help: "Zoo models, comma-separated (see dlscale models).")
  var model: String

  @Option(
    name: .customLong("system"),
    help: "A system: a catalogue name (dlscale systems) or a YAML file; repeat to compare systems.")
  var systems: [String] = []

  @Option(help: "Node counts, comma-separated.")
  var nodes: String = "1,2,4,8,16"

  @Option(help: "Training samples per epoch, e.g. 1e8.")
  var samples: String

  @Option(help: "Epochs.")
  var epochs: String = "1"

  @Option(help: "Batch per device (weak scaling) or global batch (strong scaling).")
  var batch: Int = 32

  @Option(help: "weak or strong.")
  var scaling: String = TrainingOptions.defaultScaling.rawValue

  @Option(help: "The models file written by dlscale fit (needed for measured systems only).")
  var models: String?

  @Option(help: "Only this engine's throughput entries (a system file's 'engine') price compute.")
  var engine: String?

  @Option(help: "Share of a device's peak FLOP/s assumed when compute is priced from the peak (0 < e ≤ 1).")
  var deviceEfficiency: Double = TrainingTimePrediction.defaultDeviceEfficiency

  @Option(help: "Output format: text, markdown or json.")
  var format: String = "text"

  @Option(help: "Write the guide to this file instead of standard output.")
  var out: String?

  func validate() throws {
    guard ["weak", "strong"].contains(scaling) else { throw ValidationError("--scaling must be weak or strong") }
    guard ["text", "markdown", "json"].contains(format) else {
      throw ValidationError("--format must be text, markdown or json")
    }
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    guard deviceEfficiency > 0, deviceEfficiency <= 1 else {
      throw ValidationError("--device-efficiency must be in (0, 1]")
    }
    guard !systems.isEmpty else {
      throw ValidationError(
        "--system is required: a catalogue name (dlscale systems) or a system YAML file; repeat it to compare")
    }
    for name in try modelNames() {
      do { _ = try Zoo.spec(named: name) } catch let error as ZooError { throw ValidationError(error.description) }
    }
  }

  func modelNames() throws -> [String] {
    let names = model.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard !names.contains(where: \.isEmpty) else {
      throw ValidationError("invalid --model '\(model)': expected zoo models separated by commas, e.g. resnet101,vgg16")
    }
    return names
  }

  func run() throws {
    let described = try systems.map(SystemFile.option)
    var request = PerformanceGuide.Request(
      models: try modelNames(), systems: described,
      nodes: try PhysicalQuantity.positiveIntegers(nodes, option: "--nodes"),
      samples: try PhysicalQuantity.positiveNumber(samples, option: "--samples"),
      epochs: try PhysicalQuantity.positiveNumber(epochs, option: "--epochs"))
    request.batch = batch
    request.strongScaling = scaling == "strong"
    request.engine = engine
    request.deviceEfficiency = deviceEfficiency
    let guide = try PerformanceGuide(models: try modelsFile(for: described)).build(request)
    let text: String
    switch format {
    case "json": text = try GuideTable.json(guide)
    case "markdown": text = GuideTable.markdown(guide)
    default: text = GuideTable.text(guide)
    }
    guard let out else {
      print(text)
      return
    }
    do {
      try (text + "\n").write(toFile: out, atomically: true, encoding: .utf8)
    } catch {
      throw FitCommandError.cannotWrite(out, error.localizedDescription)
    }
    print("wrote \(out)")
  }

  /// models.json when given; required when a system is measured (its fits are there).
  func modelsFile(for systems: [SystemDescription]) throws -> ModelsFile {
    if let models { return try ModelsFile.read(path: models) }
    if let measured = systems.first(where: \.measured) {
      throw ValidationError("--models is required: system '\(measured.name)' is measured, its fits are in models.json")
    }
    return ModelsFile()
  }
}
