import Foundation
import Measurements
import TestSupport
import Testing

/// Runs `dlscale-agent train` under mpirun and returns its record (and the weights file).
private func train(
  ranks: Int, _ arguments: [String], weights: Bool = false, steps: Int = 3
) throws -> (record: Record, weights: [Float]) {
  let directory = try Executables.temporaryDirectory()
  let output = directory + "/train.jsonl"
  let weightsPath = directory + "/weights.bin"
  var argv = ["train", "--steps", String(steps), "--warmup-steps", "0", "--output", output] + arguments
  if weights { argv += ["--save-weights", weightsPath] }
  let result = try Executables.mpirunAgent(ranks: ranks, argv)
  try #require(result.status == 0, "train failed: \(result.stderr)")
  let record = try #require(try ResultsFile(path: output).read().records.first)
  var values: [Float] = []
  if weights {
    let data = try Data(contentsOf: URL(fileURLWithPath: weightsPath))
    values = data.withUnsafeBytes { raw in
      (0..<data.count / 4).map {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
      }
    }
  }
  return (record, values)
}

@Test(arguments: [(2, "ring"), (3, "ring"), (3, "recursive-doubling"), (4, "rabenseifner"), (3, "mpi")])
func ranksEndWithBitwiseIdenticalWeights(ranks: Int, algorithm: String) throws {
  let (record, _) = try train(
    ranks: ranks, ["--model", "textcnn", "--batch", "2", "--algorithm", algorithm, "--bucket", "64KiB"])
  #expect(record.ranksAgree == true, "weights digest differs across ranks")
  #expect(record.kind == .train && record.ranks == ranks && record.globalBatch == 2 * ranks)
  #expect(record.bucketCount! > 1, "a 64 KiB bucket splits TextCNN's 600 KB of gradients")
  #expect(record.samplesPerS! > 0 && record.stepMs!.mean > 0)
  #expect(record.gradientBytes == 151_690 * 4)
  // The communication thread's CPU time is within its wall time in the allreduces.
  let cpu = try #require(record.commCpuMs)
  #expect(cpu > 0 && cpu <= record.allreduceMs! + 0.01, "comm CPU \(cpu) ms, allreduce \(record.allreduceMs!) ms")
}

/// P ranks with batch b follow the same trajectory as one rank with batch P·b (TextCNN has no
/// batch normalisation or dropout, whose per-rank statistics and masks would differ).
@Test func dataParallelMatchesOneRankWithTheGlobalBatch() throws {
  let common = ["--model", "textcnn", "--algorithm", "ring", "--bucket", "128KiB"]
  let (_, parallel) = try train(ranks: 2, common + ["--batch", "3"], weights: true)
  let (_, single) = try train(ranks: 1, common + ["--batch", "6"], weights: true)
  try #require(parallel.count == single.count && !single.isEmpty)
  let scale = single.map { abs($0) }.max()!
  let worst = zip(parallel, single).map { abs($0 - $1) }.max()!
  // Float sums in another order: after 3 steps the weights agree to float32 rounding, far below
  // the size of one update (learning rate 0.01 × a gradient of order 1e-2).
  #expect(worst <= 1e-5 * scale, "largest difference \(worst) (weights up to \(scale))")
  // And the weights did move: the last two steps changed them by far more than the ranks
  // differ, so agreeing is not the trivial agreement of weights that never left their start.
  let (_, afterOne) = try train(ranks: 1, common + ["--batch", "6"], weights: true, steps: 1)
  let moved = zip(single, afterOne).map { abs($0 - $1) }.max()!
  #expect(worst * 100 < moved, "two steps moved the weights by \(moved), the ranks differ by \(worst)")
}

@Test(arguments: [2, 3])
func everyOverlapModeGivesTheSameWeights(ranks: Int) throws {
  let common = ["--model", "textcnn", "--batch", "2", "--algorithm", "ring", "--bucket", "32KiB"]
  let (on, _) = try train(ranks: ranks, common + ["--overlap", "on"])
  let (off, _) = try train(ranks: ranks, common + ["--overlap", "off"])
  // The last step's buckets overlap the next forward and are updated bucket by bucket.
  let (forward, _) = try train(ranks: ranks, common + ["--overlap", "forward"])
  #expect(on.weightsDigest == off.weightsDigest)
  #expect(forward.weightsDigest == on.weightsDigest)
  #expect(on.overlap == .on && off.overlap == .off && forward.overlap == .forward)
  #expect(forward.ranksAgree == true && forward.bucketCount! > 2)
}

/// Under `--overlap forward` a pair of alone steps lets the last step's allreduces finish, so
/// the step after it is an untimed refill: the timed steps stay as asked, each waiting for one
/// step's remainder, and the record counts the refills with the warm-up.
@Test func overlapForwardRefillsAfterEachAlonePair() throws {
  let (record, _) = try train(
    ranks: 2,
    ["--model", "textcnn", "--batch", "2", "--bucket", "32KiB", "--overlap", "forward", "--alone-steps", "2"])
  #expect(record.steps == 3 && record.warmupSteps == 2, "steps \(record.steps!), untimed \(record.warmupSteps!)")
  #expect(record.ranksAgree == true)
  #expect(record.computeAloneMs! > 0 && record.commAloneMs! > 0)
  #expect(record.exposedCommMs! >= 0 && record.exposedCommMs! <= record.stepMs!.mean)
}

@Test func strongScalingSplitsAnUnevenBatch() throws {
  let (record, _) = try train(ranks: 3, ["--model", "sensornet", "--batch", "8", "--scaling", "strong"])
  #expect(record.rankBatches == [3, 3, 2])
  #expect(record.globalBatch == 8 && record.batchPerRank == 3 && record.scaling == "strong")
  #expect(record.ranksAgree == true)
}

@Test func trainRejectsBadInputInOneLine() throws {
  for arguments in [
    ["--model", "resnet51"], ["--model", "textcnn", "--batch", "0"], ["--model", "textcnn", "--overlap", "maybe"],
  ] {
    let result = try Executables.run([Executables.agent, "train"] + arguments)
    #expect(result.status != 0)
    #expect(result.stderrLines.count == 1, "\(arguments): \(result.stderr)")
  }
}

/// Compute alone and communication alone are timed between the training steps, and leave the
/// training as it was: the same weights as a run without them, on every rank. (With `--overlap
/// forward` a pair adds an untimed refill step, so the weights differ by design: tested in
/// `overlapForwardRefillsAfterEachAlonePair`.)
@Test func aloneMeasurementsLeaveTheTrainingAsItWas() throws {
  let common = [
    "--model", "textcnn", "--batch", "2", "--algorithm", "ring", "--bucket", "64KiB", "--overlap", "on",
  ]
  let (measured, _) = try train(ranks: 2, common + ["--alone-steps", "2"])
  let (plain, _) = try train(ranks: 2, common)
  #expect(measured.ranksAgree == true)
  #expect(measured.weightsDigest == plain.weightsDigest)
  #expect((measured.computeAloneMs ?? 0) > 0 && (measured.commAloneMs ?? 0) > 0, "\(measured)")
  #expect(plain.computeAloneMs == nil && plain.commAloneMs == nil)
}

/// Runs a one-step TextCNN training on 2 local ranks with `environment` and `arguments`.
private func trainOnce(_ arguments: [String], environment: [String: String]) throws -> (Executables.Result, String) {
  let output = try Executables.temporaryDirectory() + "/train.jsonl"
  let argv = ["train", "--model", "textcnn", "--batch", "2", "--steps", "1", "--output", output] + arguments
  return (try Executables.mpirunAgent(ranks: 2, argv, environment: environment), output)
}

/// A communication CPU reservation that cannot be joined stops the run with one clear line,
/// before any step: its times would be those of another machine than the one asked for. Asking
/// for a reservation where there is none is refused too; `--comm-cpu shared` ignores one.
@Test func theCommunicationCPUIsTheOneAskedFor() throws {
  let missing = try Executables.temporaryDirectory() + "/no-such-cgroup"
  let (unjoinable, unjoinableOutput) = try trainOnce([], environment: ["DLSCALE_COMM_CGROUP": missing])
  #expect(unjoinable.status != 0)
  #expect(unjoinable.stderr.contains("DLSCALE_COMM_CGROUP=\(missing) is not a cgroup folder"), "\(unjoinable.stderr)")
  #expect(!FileManager.default.fileExists(atPath: unjoinableOutput), "no record of a run that did not train")

  let (absent, _) = try trainOnce(["--comm-cpu", "reserved"], environment: [:])
  #expect(absent.status != 0)
  #expect(absent.stderr.contains("this host reserves no CPU for communication"), "\(absent.stderr)")

  let (shared, sharedOutput) = try trainOnce(["--comm-cpu", "shared"], environment: ["DLSCALE_COMM_CGROUP": missing])
  #expect(shared.status == 0, "\(shared.stderr)")
  let record = try #require(try ResultsFile(path: sharedOutput).read().records.first)
  #expect(record.commCpuReserved == nil && record.ranksAgree == true)
}
