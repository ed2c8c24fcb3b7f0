import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

private let smallPlan = """
  name: small
  output: OUTPUT
  timeout: 60
  runs:
    - benchmark: allreduce
      np: [1, 2]
      sizes: 8,64
      algorithms: [mpi]
      iterations: [3, 4, 5]
      warmup: 1
    - benchmark: p2p
      np: 2
      sizes: 8
      iterations: 3
  """

@Test func planExpandsIntoTheCartesianProduct() throws {
  let plan = try SweepPlan.parse(smallPlan, path: "p.yaml")
  #expect(plan.points.count == 7)
  #expect(plan.points.first?.key == "allreduce np=1 sizes=8,64 algorithms=mpi iterations=3 warmup=1")
  #expect(plan.points.last?.key == "p2p np=2 sizes=8 iterations=3")
  #expect(
    plan.points.first?.agentArguments == [
      "--sizes", "8,64", "--algorithms", "mpi", "--iterations", "3", "--warmup", "1",
    ])
  #expect(Set(plan.points.map(\.key)).count == 7)
}

@Test func trainRunsExpandOverModelsBatchesAndScaling() throws {
  let text = """
    runs:
      - benchmark: train
        np: [1, 2, 4]
        model: [resnet50, vgg16]
        batch: 8
        scaling: [weak, strong]
        overlap: [on, forward]
    """
  let plan = try SweepPlan.parse(text, path: "t.yaml")
  #expect(plan.points.count == 24)
  #expect(plan.points.filter { $0.key.contains("overlap=on") }.count == 12)
  #expect(plan.points.filter { $0.key.contains("overlap=forward") }.count == 12)
  #expect(plan.output == "results/sweep.jsonl")
}

@Test func trainRunsPassAloneSteps() throws {
  let text = "runs:\n  - benchmark: train\n    np: 2\n    model: deepmnist\n    alone-steps: 2\n"
  let plan = try SweepPlan.parse(text, path: "t.yaml")
  #expect(plan.points.map(\.agentArguments) == [["--model", "deepmnist", "--alone-steps", "2"]])
  #expect(throws: (any Error).self) {
    try SweepPlan.parse(text.replacingOccurrences(of: "alone-steps: 2", with: "alone-steps: -1"), path: "t.yaml")
  }
}

/// `comm-cpu` is a list like any other, so a sweep can alternate shared and reserved CPU.
@Test func trainRunsAlternateTheCommunicationCPU() throws {
  let text = "runs:\n  - benchmark: train\n    np: 2\n    model: deepmnist\n    comm-cpu: [shared, reserved]\n"
  let plan = try SweepPlan.parse(text, path: "t.yaml")
  #expect(
    plan.points.map(\.agentArguments) == [
      ["--model", "deepmnist", "--comm-cpu", "shared"], ["--model", "deepmnist", "--comm-cpu", "reserved"],
    ])
  let error = #expect(throws: SweepPlan.ParseError.self) {
    try SweepPlan.parse(text.replacingOccurrences(of: "[shared, reserved]", with: "spare"), path: "t.yaml")
  }
  #expect(
    error?.description.contains("t.yaml:5:15: --comm-cpu must be shared or reserved, got 'spare'") == true,
    "\(String(describing: error))")
}

/// `repeat` runs every point of the run again, round by round; the agent never sees it.
@Test func repeatedRunsGoRoundByRound() throws {
  let text = "runs:\n  - benchmark: train\n    np: 2\n    model: deepmnist\n    batch: [2, 8]\n    repeat: 3\n"
  let plan = try SweepPlan.parse(text, path: "t.yaml")
  #expect(
    plan.points.map(\.key)
      == (1...3).flatMap { round in
        [2, 8].map { "train np=2 model=deepmnist batch=\($0) repeat=\(round)" }
      })
  #expect(plan.points.allSatisfy { !$0.agentArguments.contains("--repeat") })
  #expect(plan.points[5].agentArguments == ["--model", "deepmnist", "--batch", "8"])
  let once = try SweepPlan.parse(text.replacingOccurrences(of: "repeat: 3", with: "repeat: 1"), path: "t.yaml")
  #expect(once.points.map(\.key) == ["train np=2 model=deepmnist batch=2", "train np=2 model=deepmnist batch=8"])
}

/// Unknown keys and wrong types name the line and column.
@Test(arguments: [
  ("runs:\n  - benchmark: allreduce\n    np: 2\n    colour: red\n", "p.yaml:4:13: unknown key 'colour'"),
  ("runs:\n  - benchmark: allreduce\n    np: two\n", "p.yaml:3:9: 'np' must be a positive integer"),
  ("runs:\n  - benchmark: allreduce\n    np: [2, 0]\n", "p.yaml:3:13: 'np' must be a positive integer"),
  ("runs:\n  - benchmark: allreduce\n    np: 2\n    sizes: 12Q\n", "p.yaml:4:12: 'sizes' must be a size list"),
  (
    "runs:\n  - benchmark: train\n    np: 2\n    scaling: sideways\n",
    "p.yaml:4:14: --scaling must be weak or strong, got 'sideways'"
  ),
  ("runs:\n  - benchmark: allreduce\n    np: 2\n    algorithms: [fastest]\n", "'algorithms' must be one of"),
  ("runs:\n  - benchmark: dance\n    np: 2\n", "unknown benchmark 'dance'"),
  ("runs:\n  - benchmark: p2p\n    np: 2\n    repeat: 0\n", "p.yaml:4:13: 'repeat' must be a positive integer"),
  ("runs:\n  - benchmark: p2p\n    np: 2\n    repeat: [2, 3]\n", "'repeat' must be one positive integer"),
  ("runs:\n  - benchmark: allreduce\n", "a run needs 'np'"),
  ("name: x\nrun: []\n", "p.yaml:2:6: unknown key 'run'"),
  ("runs: 3\n", "runs must be a non-empty list"),
  ("runs:\n  - [1, 2\n", "not valid YAML"),
  ("", "the plan is empty"),
  ("hostfile: a\ncluster: b\nruns:\n  - benchmark: p2p\n    np: 2\n", "not both"),
])
func badPlansNameTheirPlace(text: String, expected: String) {
  #expect {
    try SweepPlan.parse(text, path: "p.yaml")
  } throws: { error in
    "\(error)".contains(expected)
  }
}

private func writePlan(in directory: String) throws -> (plan: String, output: String) {
  let output = directory + "/sweep.jsonl"
  let plan = directory + "/plan.yaml"
  try smallPlan.replacingOccurrences(of: "OUTPUT", with: output).write(toFile: plan, atomically: true, encoding: .utf8)
  return (plan, output)
}

@Test func dryRunListsPointsAndRunsNothing() throws {
  let directory = try Executables.temporaryDirectory()
  let (plan, output) = try writePlan(in: directory)
  let result = try Executables.run([Executables.coordinator, "sweep", plan, "--dry-run"])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(result.stdout.contains("7 points"))
  #expect(result.stdout.components(separatedBy: "pending").count - 1 == 7)
  #expect(!FileManager.default.fileExists(atPath: output))
}

/// A sweep killed halfway and resumed ends with each point exactly once.
@Test func killedSweepResumesWithEveryPointExactlyOnce() throws {
  let directory = try Executables.temporaryDirectory()
  let (plan, output) = try writePlan(in: directory)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: Executables.coordinator)
  process.arguments = ["sweep", plan]
  process.environment = ProcessInfo.processInfo.environment.merging(
    ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { _, new in new }
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  try process.run()
  // Wait for two points to land, then kill the coordinator outright.
  let deadline = Date().addingTimeInterval(60)
  while Date() < deadline {
    let points = (try? ResultsFile(path: output).read().records).map { Set($0.compactMap(\.sweepPoint)).count } ?? 0
    if points >= 2 || !process.isRunning { break }
    usleep(50_000)
  }
  kill(process.processIdentifier, SIGKILL)
  process.waitUntilExit()
  let before = try ResultsFile(path: output).read()
  let pointsBefore = Set(before.records.compactMap(\.sweepPoint))
  #expect(pointsBefore.count >= 2 && pointsBefore.count < 7, "killed after \(pointsBefore.count) points")

  let resumed = try Executables.run([Executables.coordinator, "sweep", plan, "--resume"])
  #expect(resumed.status == 0, "\(resumed.stderr)")
  #expect(resumed.stdout.contains("\(7 - pointsBefore.count) of 7 points to run"), "\(resumed.stdout)")
  let after = try ResultsFile(path: output).read()
  #expect(after.problems.isEmpty)
  // Each point's records come from exactly one run.
  var runsPerPoint: [String: Set<String>] = [:]
  for record in after.records where record.kind != .failure {
    runsPerPoint[record.sweepPoint!, default: []].insert(record.runId)
  }
  #expect(runsPerPoint.count == 7)
  #expect(runsPerPoint.values.allSatisfy { $0.count == 1 })
  // Allreduce points hold one record per size; p2p one per ordered pair.
  let allreduce = after.records.filter { $0.kind == .allreduce }
  #expect(allreduce.count == 6 * 2)
  #expect(after.records.filter { $0.kind == .p2p }.count == 2)
}

@Test func secondWriterIsRefused() throws {
  let directory = try Executables.temporaryDirectory()
  let (plan, output) = try writePlan(in: directory)
  let lock = try ResultsFile(path: output).lock()
  let result = try Executables.run([Executables.coordinator, "sweep", plan])
  withExtendedLifetime(lock) {}
  #expect(result.status != 0)
  #expect(result.stderrLines.count == 1)
  #expect(result.stderr.contains("in use by another dlscale process"), "\(result.stderr)")
}

@Test func failingPointIsRecordedAndTheSweepGoesOn() throws {
  let directory = try Executables.temporaryDirectory()
  let (plan, output) = try writePlan(in: directory)
  // An agent that always fails: every point fails, each leaves a failure record.
  let result = try Executables.run([Executables.coordinator, "sweep", plan, "--agent", "/bin/false"])
  #expect(result.status != 0)
  #expect(result.stderr.contains("7 of 7 points failed"), "\(result.stderr)")
  let records = try ResultsFile(path: output).read().records
  #expect(records.count == 7 && records.allSatisfy { $0.kind == .failure && $0.sweepPoint != nil })
}

@Test func shippedPlansParse() throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let plans = try FileManager.default.contentsOfDirectory(atPath: root.path + "/plans").filter { $0.hasSuffix(".yaml") }
  #expect(plans.count >= 4)
  for name in plans {
    let plan = try SweepPlan.load(path: root.path + "/plans/" + name)
    #expect(!plan.points.isEmpty, "\(name) has no points")
  }
}

@Test func unknownModelIsAPlanError() {
  let text = "runs:\n  - benchmark: train\n    np: 1\n    model: [resnet50, resnet51]\n"
  #expect {
    try SweepPlan.parse(text, path: "m.yaml")
  } throws: { error in
    "\(error)".contains("m.yaml:4:23: unknown model 'resnet51' (known: ")
  }
}

/// A plan whose lists multiply to 10^8 points is refused at once, in one line naming the count
/// and the lists, by the parser and by `dlscale sweep --dry-run` alike.
@Test func planBeyondTheBoundIsRefusedNamingItsLists() throws {
  let hundred = "[" + (1...100).map(String.init).joined(separator: ", ") + "]"
  let text = """
    name: huge
    runs:
      - benchmark: p2p
        np: 2
        sizes: 8
      - benchmark: train
        model: deepmnist
        np: \(hundred)
        batch: \(hundred)
        steps: \(hundred)
        threads: \(hundred)
    """
  let error = #expect(throws: SweepPlan.ParseError.self) { try SweepPlan.parse(text, path: "huge.yaml") }
  let message = error?.description ?? ""
  #expect(message.contains("100000001 points, above the limit of 100000"), "\(message)")
  #expect(message.contains("np (100) × batch (100) × steps (100) × threads (100)"), "\(message)")
  #expect(message.hasPrefix("huge.yaml:6:"), "names the run's line: \(message)")

  let directory = try Executables.temporaryDirectory()
  let plan = directory + "/huge.yaml"
  try text.write(toFile: plan, atomically: true, encoding: .utf8)
  let started = Date()
  let result = try Executables.run([Executables.coordinator, "sweep", plan, "--dry-run"])
  #expect(result.status != 0)
  #expect(
    result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("100000001 points"), "\(result.stderr)")
  #expect(Date().timeIntervalSince(started) < 20, "refused before expanding")
}

@Test func planAtTheBoundStillExpands() throws {
  let values = "[" + (1...100).map(String.init).joined(separator: ", ") + "]"
  let text = """
    runs:
      - benchmark: p2p
        np: \(values)
        iterations: \(values)
        sizes: 8
        repeat: 10
    """
  #expect(try SweepPlan.parse(text, path: "p.yaml").points.count == 100_000)
  #expect(throws: SweepPlan.ParseError.self) {
    try SweepPlan.parse(text.replacingOccurrences(of: "repeat: 10", with: "repeat: 11"), path: "p.yaml")
  }
}
