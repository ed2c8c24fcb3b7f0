import Foundation
import Measurements
import TestSupport
import Testing

@Test func allreduceThroughCoordinatorWritesValidRecords() throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/nested/allreduce.jsonl"
  let result = try Executables.run([
    Executables.coordinator, "allreduce", "--np", "3", "--sizes", "8:1KiB,1MiB", "--iterations", "5", "--warmup", "1",
    "--output", output,
  ])
  #expect(result.status == 0, "dlscale failed: \(result.stderr)")
  let contents = try ResultsFile(path: output).read()
  #expect(contents.problems.isEmpty)
  #expect(contents.records.count == 9)
  #expect(Set(contents.records.map(\.runId)).count == 1)
  #expect(contents.records.allSatisfy { $0.ranks == 3 && $0.wrong == 0 && $0.algorithm == "mpi" })
  #expect(contents.records.first?.command?.contains("--np") == true, "the coordinator's command is recorded")
  #expect(result.stdout.contains("records appended"))
}

/// The closing summary judges the links against the best one and, given `--link-rate`, against
/// the rate: no loopback link reaches 1000 Gbit/s, so the fabric is slow everywhere.
@Test func p2pClosesWithTheLinkVerdict() throws {
  let output = try Executables.temporaryDirectory() + "/p2p.jsonl"
  let arguments = [
    Executables.coordinator, "p2p", "--np", "2", "--sizes", "64KiB", "--iterations", "2", "--output", output,
  ]
  let plain = try Executables.run(arguments)
  #expect(plain.status == 0, "dlscale failed: \(plain.stderr)")
  // Two ranks share both links, so neither is a slow host; on a busy machine one direction may
  // fall below half the other and be named as a slow link.
  let verdicts = ["\nLinks: no slow link or host: every link between hosts reaches", "\nSlow link: link "]
  #expect(verdicts.contains { plain.stdout.contains($0) }, "\(plain.stdout)")
  #expect(!plain.stdout.contains("Slow host:"), "\(plain.stdout)")
  let rated = try Executables.run(arguments + ["--link-rate", "1000gbit"])
  #expect(rated.status == 0, "dlscale failed: \(rated.stderr)")
  #expect(rated.stdout.contains("\nSlow fabric: every link is slow: the best link, "), "\(rated.stdout)")
  #expect(!rated.stdout.contains("Slow host:"), "\(rated.stdout)")
}

@Test func timeoutKillsTheRunAndRecordsAFailure() throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/slow.jsonl"
  let started = Date()
  let result = try Executables.run([
    Executables.coordinator, "allreduce", "--np", "2", "--sizes", "64MiB", "--iterations", "100000", "--timeout", "3",
    "--output", output,
  ])
  #expect(result.status != 0)
  #expect(Date().timeIntervalSince(started) < 20, "the timeout must stop the run")
  #expect(result.stderrLines.last?.contains("timed out") == true, "stderr: \(result.stderr)")
  let records = try ResultsFile(path: output).read().records
  #expect(records.last?.kind == .failure)
  #expect(records.last?.parameters?["sizes"] == "64MiB")
  let leftover = try Executables.run(["/usr/bin/pgrep", "-f", "dlscale-agent allreduce --sizes 64MiB"])
  #expect(leftover.stdout.isEmpty, "agents left behind: \(leftover.stdout)")
}

/// Bad input: one line on stderr and a non-zero exit, and no earlier results lost.
@Test(arguments: [
  (["allreduce", "--np", "0"], "--np"),
  (["allreduce", "--sizes", "12Q"], "invalid size '12Q'"),
  (["allreduce", "--hostfile", "HOSTFILE"], "slots must be a positive integer"),
  (["allreduce", "--hostfile", "/nonexistent/hosts"], "cannot read hostfile"),
  (["allreduce", "--np", "1", "--sizes", "8", "--agent", "/nonexistent/agent"], "dlscale-agent not found"),
  (["allreduce", "--np", "1", "--sizes", "8", "--mpirun", "/nonexistent/mpirun"], "mpirun not found"),
  (["allreduce", "--np", "1", "--sizes", "8", "--output", "/proc/self/forbidden/x.jsonl"], "cannot"),
  (["allreduce", "--algorithms", "fastest"], "unknown algorithm"),
  (["p2p", "--np", "1"], "at least 2 ranks"),
  (["nonsense"], "nonsense"),
])
func badInputGivesOneLine(arguments: [String], expected: String) throws {
  let directory = try Executables.temporaryDirectory()
  let hostfile = directory + "/bad.hosts"
  try "node1 slots=two\n".write(toFile: hostfile, atomically: true, encoding: .utf8)
  let resolved = arguments.map { $0 == "HOSTFILE" ? hostfile : $0 }
  let result = try Executables.run([Executables.coordinator] + resolved)
  #expect(result.status != 0)
  #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
  #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
}

@Test func failedRunKeepsEarlierRecords() throws {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/r.jsonl"
  let good = try Executables.run([
    Executables.coordinator, "allreduce", "--np", "1", "--sizes", "8", "--iterations", "2", "--output", output,
  ])
  #expect(good.status == 0, "\(good.stderr)")
  // The agent refuses an algorithm this build lacks only after mpirun started it.
  let bad = try Executables.run([
    Executables.coordinator, "allreduce", "--np", "1", "--sizes", "8", "--output", output, "--agent", "/bin/false",
  ])
  #expect(bad.status != 0)
  let records = try ResultsFile(path: output).read().records
  #expect(records.first?.kind == .allreduce)
  #expect(records.last?.kind == .failure)
  #expect(records.count == 2)
}
