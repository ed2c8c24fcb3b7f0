import Kernels
import Measurements
import Testing

/// Options away from every default, so that a field the serialiser or the reader dropped shows.
let unusualOptions = TrainingOptions(
  model: "vgg16", batch: 3, scaling: .strong, steps: 7, aloneSteps: 2, algorithm: .recursiveDoubling,
  bucketBytes: 3 << 20, overlap: .forward, threads: 2, pollInterval: 250, commCPU: .reserved)

@Test func everyFieldReadsBackTheTextItWrites() throws {
  var read = TrainingOptions(model: "")
  for field in TrainingOptions.Field.allCases {
    let text = try #require(unusualOptions.text(of: field), "\(field) has no text")
    try read.set(field, from: text)
  }
  #expect(read == unusualOptions)
  #expect(unusualOptions.text(of: .bucket) == "3MiB")
}

@Test func bucketTextThatIsNoWholeUnitKeepsItsBytes() throws {
  let options = TrainingOptions(model: "deepmnist", bucketBytes: 1000)
  #expect(try TrainingOptions.reading(.bucket, from: options.text(of: .bucket)!).bucketBytes == 1000)
}

@Test(arguments: [
  (TrainingOptions.Field.model, "resnet51", "unknown model 'resnet51' (known: "),
  (.batch, "0", "--batch must be positive, got 0"),
  (.batch, "eight", "--batch must be an integer, got 'eight'"),
  (.scaling, "sideways", "--scaling must be weak or strong, got 'sideways'"),
  (.algorithm, "bogus", "unknown algorithm 'bogus' (known: mpi, ring"),
  (.bucket, "0", "--bucket must be positive"),
  (.bucket, "12Q", "--bucket: invalid size '12Q'"),
  (.overlap, "maybe", "--overlap must be on, off or forward, got 'maybe'"),
  (.steps, "0", "--steps must be positive"),
  (.aloneSteps, "-1", "--alone-steps must not be negative"),
  (.threads, "0", "--threads must be positive"),
  (.pollInterval, "2e6", "--poll-interval must be 0"),
  (.commCPU, "spare", "--comm-cpu must be shared or reserved, got 'spare'"),
])
func badValuesAreRefusedInOneLine(field: TrainingOptions.Field, text: String, expected: String) {
  #expect {
    try TrainingOptions.reading(field, from: text)
  } throws: { error in
    "\(error)".hasPrefix(expected) && !"\(error)".contains("\n")
  }
}

@Test func theDefaultsAreValidAndProblemsAreFoundInTheWholeSet() {
  #expect(TrainingOptions(model: "resnet50").problem == nil)
  #expect(TrainingOptions(model: "resnet50", batch: 0).problem == "--batch must be positive, got 0")
  #expect(TrainingOptions(model: "resnet51").problem?.hasPrefix("unknown model") == true)
}

@Test func argumentsNameEveryOptionOnceAndOnlyTheFieldsAsked() {
  let arguments = unusualOptions.agentArguments()
  #expect(arguments.count == 2 * TrainingOptions.Field.allCases.count)
  #expect(TrainingOptions(model: "deepmnist").agentArguments().contains("--comm-cpu") == false)
  #expect(unusualOptions.agentArguments([.model, .overlap]) == ["--model", "vgg16", "--overlap", "forward"])
}
