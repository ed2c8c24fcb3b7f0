import Foundation
import Kernels
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// `dlscale train`'s defaults and a sweep plan's are `TrainingOptions`' own: changing one
/// constant there changes both (and the agent's, see AgentTests).
@Test func trainAndSweepDefaultsAreTheOptionsDefaults() throws {
  let command = try TrainCommand.parse(["--model", "resnet50"])
  let options = try command.training.options
  #expect(options == TrainingOptions(model: "resnet50"))
  #expect(options.overlap == TrainingOptions.defaultOverlap)
  #expect(command.agentArguments(options) == options.agentArguments())
  // The help as one line: where it wraps depends on the default's length.
  let help = TrainCommand.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
  #expect(help.contains("(default: \(TrainingOptions.defaultOverlap.rawValue))"), "\(help)")

  let plan = try SweepPlan.parse("runs:\n  - benchmark: train\n    np: 2\n    model: resnet50\n", path: "d.yaml")
  let point = try #require(plan.points.first)
  #expect(point.training == TrainingOptions(model: "resnet50"))
  // Options a point leaves out are not sent: the agent applies the same defaults.
  #expect(point.agentArguments == ["--model", "resnet50"])
}

@Test func sweepPointsSendTheOptionsTheyRead() throws {
  let text = """
    runs:
      - benchmark: train
        np: 2
        model: deepmnist
        bucket: 4M
        overlap: true
        algorithm: rabenseifner
    """
  let point = try #require(try SweepPlan.parse(text, path: "s.yaml").points.first)
  #expect(point.key == "train np=2 model=deepmnist algorithm=rabenseifner bucket=4M overlap=on")
  #expect(
    point.agentArguments == [
      "--model", "deepmnist", "--algorithm", "rabenseifner", "--bucket", "4MiB", "--overlap", "on",
    ])
  #expect(point.training?.bucketBytes == 4 << 20)
}

/// One bad value, three places that take it: `dlscale train`, the agent's `train` and a sweep
/// plan all refuse it with the validator's line (the plan's prefixed with FILE:LINE:COLUMN).
@Test(arguments: [
  ("bucket", "0"), ("bucket", "12Q"), ("batch", "0"), ("model", "resnet51"), ("overlap", "maybe"),
  ("scaling", "sideways"), ("algorithm", "bogus"), ("comm-cpu", "spare"), ("poll-interval", "2e6"),
  ("alone-steps", "-1"),
])
func badTrainingValueIsRefusedAlikeEverywhere(key: String, value: String) throws {
  let field = try #require(TrainingOptions.Field(rawValue: key))
  let expected = try #require(
    #expect(throws: TrainingOptions.Problem.self) { try TrainingOptions.reading(field, from: value) }
  ).description
  let arguments = key == "model" ? ["--model", value] : ["--model", "resnet50", "--\(key)=\(value)"]
  let directory = try Executables.temporaryDirectory()
  for executable in [Executables.coordinator, Executables.agent] {
    let result = try Executables.run(
      [executable, "train"] + arguments + ["--output", directory + "/t.jsonl"], timeout: 60)
    let lines = result.stderr.split(separator: "\n")
    #expect(result.status != 0)
    #expect(lines.count == 1 && lines[0].hasSuffix(expected), "\(executable): \(result.stderr)")
  }
  let plan =
    "runs:\n  - benchmark: train\n    np: 2\n" + (key == "model" ? "" : "    model: resnet50\n")
    + "    \(key): '\(value)'\n"
  let error = #expect(throws: SweepPlan.ParseError.self) { try SweepPlan.parse(plan, path: "bad.yaml") }
  let wanted = "bad.yaml:\(key == "model" ? 4 : 5):\(7 + key.count): \(expected)"
  #expect(error?.description == wanted)
}
