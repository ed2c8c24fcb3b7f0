import Foundation
import Kernels
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// `dlscale train --engine pytorch`: the embedded engine matches engines/pytorch, its models have
/// the zoo's parameter counts, a two-rank run writes a train record, and bad input is one line.
/// The tests that run PyTorch need the system python3 with python3-torch (`make deps`).
@Suite struct PyTorchEngineTests {
  /// The repository's engines/pytorch, found from this file.
  static let engineFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("engines/pytorch").path

  /// Whether the default python imports torch.
  static let torchAvailable: Bool = {
    guard let result = try? Executables.run([PyTorchEngine.defaultPython, "-c", "import torch"], timeout: 120) else {
      return false
    }
    return result.status == 0
  }()

  /// The copy inside `dlscale` is the files' text: edit engines/pytorch and the embedded copy
  /// drifts unless scripts/embed-pytorch-engine.sh is rerun.
  @Test func embeddedEngineMatchesTheRepositoryFiles() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Self.engineFolder).filter { $0.hasSuffix(".py") }
    #expect(Set(names) == Set(PyTorchEngineSources.files.map(\.name)), "engines/pytorch has \(names)")
    for file in PyTorchEngineSources.files {
      let onDisk = try String(contentsOfFile: Self.engineFolder + "/" + file.name, encoding: .utf8)
      #expect(
        file.text == onDisk, "\(file.name) differs from its embedded copy: rerun scripts/embed-pytorch-engine.sh")
    }
  }

  /// Every zoo model in PyTorch has exactly the zoo's trainable parameters, as `dlscale models`
  /// counts them.
  @Test(.enabled(if: torchAvailable, "needs /usr/bin/python3 with python3-torch (make deps)"))
  func pytorchModelsHaveTheZoosParameterCounts() throws {
    let result = try Executables.run(
      [PyTorchEngine.defaultPython, Self.engineFolder + "/dlscale_torch.py", "--count-params"], timeout: 300)
    #expect(result.status == 0, "\(result.stderr)")
    let counts = try JSONDecoder().decode([String: Int].self, from: Data(result.stdout.utf8))
    #expect(counts.keys.sorted() == Zoo.names.sorted())
    for name in Zoo.names {
      let expected = try Zoo.spec(named: name).summary().trainableParameters
      #expect(counts[name] == expected, "\(name): PyTorch \(counts[name] ?? -1), zoo \(expected)")
    }
  }

  /// Two local ranks of SensorNet: one train record from PyTorch, with the engine, its version,
  /// the device, the bucket and overlap asked for, identical weights on both ranks and the alone
  /// figures.
  @Test(
    .enabled(if: torchAvailable, "needs /usr/bin/python3 with python3-torch (make deps)"),
    arguments: [OverlapMode.on, .off])
  func twoRanksWriteAPyTorchTrainRecord(overlap: OverlapMode) throws {
    let directory = try Executables.temporaryDirectory()
    let output = directory + "/train.jsonl"
    let result = try Executables.run([
      Executables.coordinator, "train", "--engine", "pytorch", "--np", "2", "--model", "sensornet", "--batch", "4",
      "--steps", "2", "--alone-steps", "1", "--bucket", "1MiB", "--overlap", overlap.rawValue, "--output", output,
    ])
    #expect(result.status == 0, "dlscale failed: \(result.stderr)")
    #expect(result.stdout.contains("engine pytorch"), "\(result.stdout)")
    let records = try ResultsFile(path: output).read().records
    #expect(records.count == 1)
    let record = try #require(records.first)
    #expect(record.kind == .train)
    #expect(record.engine == "pytorch" && record.engineName == "pytorch")
    #expect(record.engineVersion?.isEmpty == false)
    #expect(record.device == "cpu")
    #expect(record.ranks == 2 && record.globalBatch == 8 && record.steps == 2)
    #expect(record.bucketBytes == 1 << 20)
    #expect((record.bucketCount ?? 0) >= 3, "SensorNet's 11.7 MB of gradients in 1 MiB buckets")
    #expect(record.ranksAgree == true)
    #expect(record.samplesPerS.map { $0 > 0 } == true)
    #expect(record.gradientBytes == 2_919_440 * 4)
    #expect(record.algorithm == "gloo" && record.overlap == overlap)
    #expect(record.computeAloneMs.map { $0 > 0 } == true && record.commAloneMs.map { $0 > 0 } == true)
    #expect(record.rankComputeMs?.count == 2 && record.rankHosts?.count == 2 && record.rankCores?.count == 2)
    let step = try #require(record.stepMs?.mean)
    let parts = [record.forwardMs, record.backwardMs, record.exposedCommMs, record.updateMs].compactMap { $0 }
    #expect(parts.count == 4 && parts.allSatisfy { $0 >= 0 })
    #expect(abs(parts.reduce(0, +) - step) <= 1e-6 * step, "the parts \(parts) add up to the step \(step)")
    #expect(record.command?.contains("--engine") == true, "the coordinator's command is recorded")
    #expect(
      FileManager.default.fileExists(atPath: directory + "/dlscale-engines/pytorch/dlscale_torch.py"),
      "the engine is written beside the results")
  }

  /// Launched through a hostfile, as on a cluster: the ranks meet at the first host's address.
  @Test(.enabled(if: torchAvailable, "needs /usr/bin/python3 with python3-torch (make deps)"))
  func aHostfileLaunchesThePyTorchEngine() throws {
    let directory = try Executables.temporaryDirectory()
    try "localhost slots=2\n".write(toFile: directory + "/hosts", atomically: true, encoding: .utf8)
    let result = try Executables.run([
      Executables.coordinator, "train", "--engine", "pytorch", "--hostfile", directory + "/hosts", "--np", "2",
      "--model", "sensornet", "--batch", "4", "--steps", "2", "--output", directory + "/train.jsonl",
    ])
    #expect(result.status == 0, "dlscale failed: \(result.stderr)")
    let record = try #require(try ResultsFile(path: directory + "/train.jsonl").read().records.first)
    #expect(record.engine == "pytorch" && record.ranks == 2 && record.ranksAgree == true, "\(record)")
  }

  /// A sweep's `engine: [dlscale, pytorch]` runs each point with both engines, into one file.
  @Test(.enabled(if: torchAvailable, "needs /usr/bin/python3 with python3-torch (make deps)"))
  func sweepRunsBothEngines() throws {
    let directory = try Executables.temporaryDirectory()
    let plan = directory + "/engines.yaml"
    try """
    name: engines
    output: \(directory)/r.jsonl
    timeout: 300
    runs:
      - benchmark: train
        np: 2
        model: sensornet
        batch: 4
        steps: 2
        engine: [dlscale, pytorch]

    """.write(toFile: plan, atomically: true, encoding: .utf8)
    let result = try Executables.run([Executables.coordinator, "sweep", plan])
    #expect(result.status == 0, "\(result.stderr)")
    let records = try ResultsFile(path: directory + "/r.jsonl").read().records
    #expect(records.map(\.kind) == [.train, .train])
    #expect(records.map(\.engineName) == ["dlscale", "pytorch"])
    #expect(
      records.map(\.sweepPoint) == [
        "train np=2 model=sensornet engine=dlscale batch=4 steps=2",
        "train np=2 model=sensornet engine=pytorch batch=4 steps=2",
      ])
    #expect(records.allSatisfy { $0.ranksAgree == true && ($0.samplesPerS ?? 0) > 0 })
  }

  /// Bad input: one line on stderr, a non-zero exit, and no results file.
  @Test(arguments: [
    (["--engine", "tensorflow"], "unknown engine 'tensorflow' (known: dlscale or pytorch)"),
    (["--engine", "pytorch", "--python", "/nonexistent/python3"], "PyTorch not found for /nonexistent/python3"),
    (["--engine", "pytorch", "--python", "/bin/false"], "PyTorch not found for /bin/false: install python3-torch"),
    (["--engine", "pytorch", "--overlap", "forward"], "--engine pytorch overlaps as DDP does"),
    (["--engine", "pytorch", "--save-weights", "w.bin"], "--save-weights is for dlscale's engine"),
    (["--engine", "pytorch", "--device", "tpu"], "--device"),
  ])
  func badEngineInputGivesOneLine(arguments: [String], expected: String) throws {
    let directory = try Executables.temporaryDirectory()
    let output = directory + "/train.jsonl"
    let result = try Executables.run(
      [Executables.coordinator, "train", "--np", "1", "--model", "sensornet", "--output", output] + arguments)
    #expect(result.status != 0)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
    #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  /// Without a GPU, `--device cuda` is refused in one line before anything is launched.
  @Test(.enabled(if: torchAvailable, "needs /usr/bin/python3 with python3-torch (make deps)"))
  func cudaWithoutAGPUIsRefused() throws {
    let probe = try Executables.run([
      PyTorchEngine.defaultPython, "-c", "import torch; print(torch.cuda.is_available())",
    ])
    try #require(probe.stdout.hasPrefix("False"), "this machine has a GPU: the refusal cannot be tested")
    let directory = try Executables.temporaryDirectory()
    let result = try Executables.run([
      Executables.coordinator, "train", "--engine", "pytorch", "--device", "cuda", "--np", "1", "--model",
      "sensornet", "--output", directory + "/train.jsonl",
    ])
    #expect(result.status != 0)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("--device cuda: PyTorch"), "stderr: \(result.stderr)")
  }

  /// The dlscale agent refuses to run another engine's run.
  @Test func agentRefusesAnotherEngine() throws {
    let result = try Executables.run([
      Executables.agent, "train", "--model", "sensornet", "--engine", "pytorch",
    ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("dlscale's own engine"), "stderr: \(result.stderr)")
  }

  /// The rendezvous: loopback on this machine, the first host of a hostfile.
  @Test func rendezvousFollowsThePlacement() throws {
    let local = try LaunchOptions.parse([])
    #expect(try local.rendezvous(port: 4000) == Rendezvous(address: "127.0.0.1", interface: "lo", port: 4000))
    let directory = try Executables.temporaryDirectory()
    try "localhost slots=2\nnode2 slots=2\n".write(toFile: directory + "/hosts", atomically: true, encoding: .utf8)
    let placed = try LaunchOptions.parse(["--hostfile", directory + "/hosts"])
    #expect(try placed.rendezvous(port: 4001) == Rendezvous(address: ProcessInfo.processInfo.hostName, port: 4001))
    try "localhost slots=2\n".write(toFile: directory + "/local", atomically: true, encoding: .utf8)
    let alone = try LaunchOptions.parse(["--hostfile", directory + "/local"])
    #expect(try alone.rendezvous(port: 4002) == Rendezvous(address: "localhost", port: 4002))
    let port = try Rendezvous.freePort()
    #expect(port > 0 && port < 65536)
  }
}

/// Sweep plans take `engine` like any other training option: a list expands into points, and a
/// PyTorch point keeps DDP's overlap.
@Test func sweepPlansExpandOverEngines() throws {
  let text = "runs:\n  - benchmark: train\n    np: 2\n    model: sensornet\n    engine: [dlscale, pytorch]\n"
  let plan = try SweepPlan.parse(text, path: "e.yaml")
  #expect(
    plan.points.map(\.key) == [
      "train np=2 model=sensornet engine=dlscale", "train np=2 model=sensornet engine=pytorch",
    ])
  #expect(plan.points.map { $0.training?.engine } == [.dlscale, .pytorch])
  #expect(plan.points.map { $0.training?.overlap } == [TrainingOptions.defaultOverlap, .on])
  let wrong = #expect(throws: SweepPlan.ParseError.self) {
    try SweepPlan.parse(text.replacingOccurrences(of: "[dlscale, pytorch]", with: "caffe"), path: "e.yaml")
  }
  #expect(wrong?.description.contains("e.yaml:5:13: unknown engine 'caffe'") == true, "\(String(describing: wrong))")
  let forward = #expect(throws: SweepPlan.ParseError.self) {
    try SweepPlan.parse(text + "    overlap: forward\n", path: "e.yaml")
  }
  #expect(forward?.description.contains("--engine pytorch overlaps as DDP does") == true)
}

/// `sweep --dry-run` lists the engine of each point.
@Test func sweepDryRunShowsTheEngine() throws {
  let directory = try Executables.temporaryDirectory()
  let plan = directory + "/engines.yaml"
  try
    "name: engines\noutput: \(directory)/r.jsonl\nruns:\n  - benchmark: train\n    np: [1, 2]\n    model: deepmnist\n    engine: [dlscale, pytorch]\n"
    .write(toFile: plan, atomically: true, encoding: .utf8)
  let result = try Executables.run([Executables.coordinator, "sweep", plan, "--dry-run"])
  #expect(result.status == 0, "\(result.stderr)")
  #expect(result.stdout.contains("4 points"), "\(result.stdout)")
  #expect(result.stdout.contains("train np=2 model=deepmnist engine=pytorch"), "\(result.stdout)")
  #expect(!FileManager.default.fileExists(atPath: directory + "/r.jsonl"))
}
