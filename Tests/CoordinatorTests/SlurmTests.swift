import Foundation
import Measurements
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A real single-node Slurm (scripts/slurm/local-slurm.sh: munged, slurmctld, slurmd) running
/// `dlscale allreduce --launcher srun` and a sweep as a batch job (scripts/slurm/dlscale.sbatch).
/// Skipped, visibly, without root or Slurm's packages (munge slurmctld slurmd slurm-client).
@Suite(.serialized) struct SlurmTests {
  static let script = ProcessRunning.packageRoot + "/scripts/slurm/local-slurm.sh"
  static let batchScript = ProcessRunning.packageRoot + "/scripts/slurm/dlscale.sbatch"

  static let missing: String? = {
    if getuid() != 0 { return "needs root" }
    for tool in ["munged", "slurmctld", "slurmd", "sbatch", "srun", "sinfo"] where !ProcessRunning.isAvailable(tool) {
      return "needs \(tool) (apt-get install munge slurmctld slurmd slurm-client)"
    }
    return nil
  }()

  /// The suite is skipped only for a reason that holds here (and says which).
  @Test func skipsOnlyForAReasonThatHolds() {
    if let missing = Self.missing { print("SKIPPED: Slurm tests: \(missing)") }
    #expect(
      ProcessRunning.skipReasonHolds(
        Self.missing, tools: ["munged", "slurmctld", "slurmd", "sbatch", "srun", "sinfo"]),
      "\(Self.missing ?? "runs")")
  }

  /// Brings Slurm up in a folder of its own, runs `body` with the client environment, takes it down.
  static func withSlurm(_ body: (_ environment: [String: String], _ directory: String) throws -> Void) throws {
    let directory = try Executables.temporaryDirectory()
    let log = directory + "/local-slurm.log"
    let up = spawnAndWait(["/usr/bin/timeout", "60", "bash", script, "up", directory + "/slurm"], log: log)
    defer { _ = spawnAndWait(["/usr/bin/timeout", "60", "bash", script, "down", directory + "/slurm"], log: log) }
    let upLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    try #require(up == 0, "local-slurm.sh up failed (\(up)): \(upLog)")
    try body(["SLURM_CONF": directory + "/slurm/slurm.conf"], directory)
  }

  /// Runs `arguments` with stdout and stderr to `log` and waits with waitpid: the script leaves
  /// daemons behind, and Foundation's Process did not always see the script itself exit.
  static func spawnAndWait(_ arguments: [String], log: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  }

  /// `--engine pytorch` under srun: the ranks are Slurm tasks and meet at the job's first node.
  @Test(
    .enabled(
      if: missing == nil && PyTorchEngineTests.torchAvailable,
      "needs root, Slurm and /usr/bin/python3 with torch"), .timeLimit(.minutes(2)))
  func srunLaunchesThePyTorchEngine() throws {
    try Self.withSlurm { environment, directory in
      let output = directory + "/torch.jsonl"
      let run = try ProcessRunning.run(
        [
          Executables.coordinator, "train", "--launcher", "srun", "--np", "2", "--engine", "pytorch", "--model",
          "sensornet", "--batch", "4", "--steps", "2", "--output", output, "--timeout", "60",
        ], environment: environment, seconds: 90)
      #expect(run.status == 0, "\(run)")
      let record = try #require(try ResultsFile(path: output).read().records.first)
      #expect(record.engine == "pytorch" && record.ranks == 2 && record.ranksAgree == true, "\(record)")
    }
  }

  @Test(.enabled(if: missing == nil, "needs root and Slurm"), .timeLimit(.minutes(2)))
  func srunLaunchesTheAgentsAndABatchJobRunsASweep() throws {
    try Self.withSlurm { environment, directory in
      // One command, ranks as Slurm tasks.
      let output = directory + "/srun.jsonl"
      let direct = try ProcessRunning.run(
        [
          Executables.coordinator, "allreduce", "--launcher", "srun", "--np", "2", "--sizes", "8,1KiB",
          "--iterations", "3", "--output", output, "--timeout", "60",
        ], environment: environment, seconds: 90)
      #expect(direct.status == 0, "\(direct)")
      let records = try ResultsFile(path: output).read().records
      #expect(records.count == 2 && records.allSatisfy { $0.kind == .allreduce && $0.ranks == 2 && $0.wrong == 0 })
      // The node has 2 CPUs: srun binds each task to one of its own (task/affinity).
      let cores = records.first?.rankCores ?? []
      #expect(cores.count == 2 && Set(cores).count == 2, "srun tasks' cores: \(cores)")

      // A sweep as a batch job: every point an srun step inside the job's allocation.
      let results = directory + "/batch.jsonl"
      let plan = directory + "/plan.yaml"
      try """
      name: slurm
      output: \(results)
      timeout: 60
      runs:
        - benchmark: allreduce
          np: [1, 2]
          sizes: 8
          iterations: 3
        - benchmark: p2p
          np: 2
          sizes: 8
          iterations: 3

      """.write(toFile: plan, atomically: true, encoding: .utf8)
      let batch = try ProcessRunning.run(
        [
          "sbatch", "--wait", "--ntasks", "2", "--chdir", directory, "--output", directory + "/job.out",
          Self.batchScript, plan,
        ], environment: environment.merging(["DLSCALE": Executables.coordinator]) { $1 }, seconds: 90)
      let log = (try? String(contentsOfFile: directory + "/job.out", encoding: .utf8)) ?? ""
      #expect(batch.status == 0, "\(batch)\njob output:\n\(log)")
      #expect(log.contains("3 of 3 points to run"), "\(log)")
      let sweep = try ResultsFile(path: results).read().records
      #expect(Set(sweep.compactMap(\.sweepPoint)).count == 3, "\(log)")
      #expect(sweep.filter { $0.kind == .p2p }.count == 2)
      #expect(!sweep.contains { $0.kind == .failure })
    }
  }
}
