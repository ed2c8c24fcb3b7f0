import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// `dlscale kernels`: in this process by default, on the agents with launch options; every
/// record names the host that measured it.
@Suite struct KernelsCommandTests {
  /// The built-in table's fc cases (three), forward and backward.
  static let fcRecordsPerProcess = 6

  static var thisHost: String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  @Test func defaultTimesInThisProcessAndNamesTheHost() throws {
    let output = try Executables.temporaryDirectory() + "/kernels.jsonl"
    let result = try Executables.run([
      Executables.coordinator, "kernels", "--layers", "fc", "--batch", "2", "--repeat", "1", "--output", output,
    ])
    #expect(result.status == 0, "dlscale failed: \(result.stderr)")
    #expect(result.stdout.contains("OpenBLAS kernels:"))
    #expect(!result.stdout.contains("# rank"), "no agents without launch options: \(result.stdout)")
    let records = try ResultsFile(path: output).read().records
    #expect(records.count == Self.fcRecordsPerProcess)
    #expect(records.allSatisfy { $0.kind == .kernel && $0.op == "fc" && $0.ranks == 1 })
    #expect(records.allSatisfy { $0.rankHosts == [Self.thisHost] }, "\(records.map(\.rankHosts))")
    #expect(records.allSatisfy { $0.mpiLibrary == nil }, "no MPI in the coordinator's process")
  }

  @Test func twoRanksEachTimeOnTheirHost() throws {
    guard Executables.mpirun != nil else {
      Issue.record("mpirun is not on PATH: cannot launch the agents")
      return
    }
    let directory = try Executables.temporaryDirectory()
    let output = directory + "/kernels.jsonl"
    let result = try Executables.run([
      Executables.coordinator, "kernels", "--np", "2", "--layers", "fc", "--batch", "2", "--repeat", "1",
      "--output", output,
    ])
    #expect(result.status == 0, "dlscale failed: \(result.stderr)")
    #expect(result.stdout.contains("# rank 0 on \(Self.thisHost):"), "stdout: \(result.stdout)")
    #expect(result.stdout.contains("# rank 1 on \(Self.thisHost):"), "stdout: \(result.stdout)")
    #expect(result.stderr.contains("ranks 0, 1 share \(Self.thisHost)"), "stderr: \(result.stderr)")
    let contents = try ResultsFile(path: output).read()
    #expect(contents.problems.isEmpty)
    let records = contents.records
    #expect(records.count == 2 * Self.fcRecordsPerProcess, "one table per rank")
    #expect(Set(records.map(\.runId)).count == 1)
    #expect(records.allSatisfy { $0.kind == .kernel && $0.ranks == 1 && $0.rankHosts == [Self.thisHost] })
    #expect(records.allSatisfy { $0.mpiLibrary != nil }, "measured by agent ranks")
    #expect(
      records.allSatisfy { $0.op == "fc" && $0.batchPerRank == 2 && $0.iterations == 1 },
      "the agents got the settings")
    #expect(records.allSatisfy { $0.command?.contains("--np") == true }, "the coordinator's command is recorded")

    // dlscale fit reads them as kernel samples.
    let models = directory + "/models.json"
    let fit = try Executables.run([Executables.coordinator, "fit", output, "-o", models])
    #expect(fit.status == 0, "dlscale fit failed: \(fit.stderr)")
    #expect(FileManager.default.fileExists(atPath: models))
  }

  /// Launch options send the measurement to the agents; a value of --mpirun-arg is mpirun's.
  @Test(arguments: [
    (["kernels", "--layers", "fc"], Launcher.Kind.mpirun, false),
    (["kernels", "--np", "2"], .mpirun, true),
    (["kernels", "--np=4"], .mpirun, true),
    (["kernels", "--hostfile", "hosts"], .mpirun, true),
    (["kernels", "--cluster", "lab"], .mpirun, true),
    (["kernels"], .srun, true),
    (["kernels", "--mpirun-arg", "--np", "--mpirun-arg", "--cluster"], .mpirun, false),
  ])
  func launchOptionsChooseTheAgents(arguments: [String], launcher: Launcher.Kind, onAgents: Bool) {
    #expect(KernelsCommand.asksForAgents(["dlscale"] + arguments, launcher: launcher) == onAgents)
  }

  @Test(arguments: [
    (["kernels", "--np", "0"], "--np"),
    (["kernels", "--np", "2", "--layers", "conv,fft"], "unknown operation(s) fft"),
    (["kernels", "--launcher", "srun", "--hostfile", "/etc/hosts"], "drop --hostfile"),
  ])
  func badInputGivesOneLine(arguments: [String], expected: String) throws {
    let result = try Executables.run([Executables.coordinator] + arguments)
    #expect(result.status != 0)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
    #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
  }
}
