import Kernels
import Measurements
import Testing

@testable import Agent

/// Options away from every default, so that a field the serialiser or the reader dropped shows.
private let unusualOptions = TrainingOptions(
  model: "vgg16", batch: 3, scaling: .strong, steps: 7, aloneSteps: 2, algorithm: .recursiveDoubling,
  bucketBytes: 3 << 20, overlap: .forward, threads: 2, pollInterval: 250, commCPU: .reserved)

/// What the coordinator sends (`TrainingOptions.agentArguments`) is what the agent's `train`
/// reads: the same options come out.
@Test(arguments: [
  unusualOptions, TrainingOptions(model: "deepmnist"), TrainingOptions(model: "resnet50", bucketBytes: 1000),
])
func agentReadsTheOptionsTheCoordinatorWrites(options: TrainingOptions) throws {
  let command = try TrainCommand.parse(options.agentArguments())
  #expect(try command.training.options == options)
}

/// The agent's defaults are `TrainingOptions`' own: changing one constant there changes them.
@Test func agentDefaultsAreTheOptionsDefaults() throws {
  let command = try TrainCommand.parse(["--model", "resnet50"])
  let options = try command.training.options
  #expect(options == TrainingOptions(model: "resnet50"))
  #expect(options.overlap == TrainingOptions.defaultOverlap)
  #expect(options.bucketBytes == TrainingOptions.defaultBucketBytes)
  #expect(options.algorithm == TrainingOptions.defaultAlgorithm)
  // The help as one line: where it wraps depends on the default's length.
  let help = TrainCommand.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
  #expect(help.contains("(default: \(TrainingOptions.defaultOverlap.rawValue))"), "\(help)")
}
