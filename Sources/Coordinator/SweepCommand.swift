import ArgumentParser
import Foundation
import Kernels
import Measurements

/// `dlscale sweep PLAN.yaml`: runs every point of a plan, one mpirun each, with progress and an
/// ETA; a failed or timed-out point becomes a `failure` record and the sweep goes on; `--resume`
/// skips the points already in the results.
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run a sweep plan (YAML): the Cartesian product of its runs' settings.",
    discussion: """
      Each point's records are appended to the plan's output when the point finishes, tagged with \
      the point's key, so an interrupted sweep can be completed with --resume and ends with each \
      point exactly once. Only one sweep may write a results file at a time.
      """)

  @Argument(help: "The plan file (YAML).")
  var plan: String

  @Flag(help: "Skip the points whose records are already in the output.")
  var resume = false

  @Flag(help: "Print the points and exit without running anything.")
  var dryRun = false

  @Option(help: "Write records here instead of the plan's output.")
  var output: String?

  @Option(
    help: "What starts the ranks: mpirun, or srun (Slurm; e.g. inside scripts/slurm/dlscale.sbatch).",
    transform: Launcher.Kind.parse)
  var launcher: Launcher.Kind = .mpirun

  @Option(help: "The mpirun (or srun) to use (default: $DLSCALE_MPIRUN/$DLSCALE_SRUN or the one on PATH).")
  var mpirun: String?

  @Option(help: "The dlscale-agent to launch (default: the one next to dlscale).")
  var agent: String?

  func run() throws {
    let sweep = try SweepPlan.load(path: plan)
    let results = ResultsFile(path: output ?? sweep.output)
    var done = Set<String>()
    if resume, FileManager.default.fileExists(atPath: results.path) {
      let contents = try results.read()
      for problem in contents.problems { printError("dlscale: warning: \(problem)") }
      done = Set(contents.records.filter { $0.kind != .failure && $0.sweep == sweep.name }.compactMap(\.sweepPoint))
    }
    let pending = sweep.points.filter { !done.contains($0.key) }

    if dryRun {
      print("# plan '\(sweep.name)': \(sweep.points.count) points, output \(results.path)")
      for (index, point) in sweep.points.enumerated() {
        let state = done.contains(point.key) ? "done" : "pending"
        print(String(format: "%4d  %-8@ %@", index + 1, state, point.key))
      }
      return
    }

    try results.prepare()
    let lock = try results.lock()
    defer { withExtendedLifetime(lock) {} }
    var launch = LaunchOptions.forPlan(sweep, mpirun: mpirun, agent: agent)
    launch.launcher = self.launcher
    let launcher = try launch.makeLauncher()
    print("dlscale: sweep '\(sweep.name)': \(pending.count) of \(sweep.points.count) points to run → \(results.path)")

    let started = Date()
    var failures = 0
    for (index, point) in pending.enumerated() {
      let elapsed = Date().timeIntervalSince(started)
      let eta = index == 0 ? "" : ", ETA \(duration(elapsed / Double(index) * Double(pending.count - index)))"
      print("[\(index + 1)/\(pending.count)] \(point.key) (elapsed \(duration(elapsed))\(eta))")
      fflush(nil)
      var run = AgentRun(
        launcher: launcher, ranks: point.ranks, benchmark: point.benchmark, arguments: point.agentArguments,
        threads: point.threads, timeout: sweep.timeout, results: results, echo: false,
        parameters: Dictionary(point.settings, uniquingKeysWith: { a, _ in a }), sweep: (sweep.name, point.key))
      if let training = point.training, training.engine == .pytorch {
        run = try pytorchRun(training, point: point, launch: launch, launcher: launcher, results: results, sweep: sweep)
      }
      do {
        let records = try run.run()
        print("    ok: \(records.count) records")
      } catch let failure as AgentRun.Failure {
        failures += 1
        printError("dlscale: point failed: \(failure.description)")
      }
    }
    print(
      "dlscale: sweep '\(sweep.name)' finished in \(duration(Date().timeIntervalSince(started))): "
        + "\(pending.count - failures) points ok, \(failures) failed")
    if failures > 0 {
      throw CommandError(
        "\(failures) of \(pending.count) points failed (failure records in \(results.path)); "
          + "rerun with --resume to retry them")
    }
  }

  /// A train point of `--engine pytorch`: PyTorch on every rank (see `PyTorchEngine`), with
  /// the system python3 and the engine written beside the results file.
  private func pytorchRun(
    _ training: TrainingOptions, point: SweepPoint, launch: LaunchOptions, launcher: Launcher, results: ResultsFile,
    sweep: SweepPlan
  ) throws -> AgentRun {
    let engine = PyTorchEngine(
      python: PyTorchEngine.defaultPython, device: .cpu,
      directory: PyTorchEngine.defaultDirectory(besideResults: results.path))
    let version = try engine.checkTorch()
    let rendezvous = try launch.rendezvous(port: try Rendezvous.freePort())
    var run = try engine.run(
      training, torchVersion: version, launcher: launcher, rendezvous: rendezvous, timeout: sweep.timeout,
      results: results, ranks: point.ranks)
    run.echo = false
    run.parameters = Dictionary(point.settings, uniquingKeysWith: { a, _ in a })
    run.sweep = (sweep.name, point.key)
    return run
  }

  private func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
  }
}

extension LaunchOptions {
  /// The launch options a plan implies.
  static func forPlan(_ plan: SweepPlan, mpirun: String?, agent: String?) -> LaunchOptions {
    var options = LaunchOptions()
    options.hostfile = plan.hostfile
    options.cluster = plan.cluster
    options.timeout = plan.timeout
    options.mpirun = mpirun
    options.agent = agent
    options.launcher = .mpirun
    options.mpirunArguments = []
    return options
  }
}
