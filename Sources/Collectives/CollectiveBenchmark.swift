import Foundation
import Measurements

/// The shared measurement harness for allreduce algorithms: for each size, warm-up iterations, a
/// barrier, then each timed iteration alone (`MPI_Wtime` around the call, a barrier after it, as
/// OSU does), per-rank statistics reduced to rank 0, bandwidths, and a validation pass whose
/// integer-valued inputs make the correct sum exact.
///
/// Timed iterations reduce a zero-filled buffer in place (float addition costs the same for any
/// finite value, and zeros keep repeated in-place sums from overflowing); validation runs once per
/// size on its own pattern. The buffer is page-aligned, as OSU's are, so that every program and
/// run reduces buffers at the same offset within a page. Each rank's iteration times are
/// summarised (min/mean/median/p95/max) and gathered to rank 0 with the record.
public struct CollectiveBenchmark {
  public let communicator: Communicator
  public let context: RunContext
  public var plan: IterationPlan

  public init(communicator: Communicator, context: RunContext, plan: IterationPlan) {
    self.communicator = communicator
    self.context = context
    self.plan = plan
  }

  /// One measured point as rank 0 sees it (the other ranks get `nil` from `measure`).
  public struct Point {
    public var record: Record
    public var perRankMeansUs: [Double]
  }

  /// Measures `algorithm` at `bytes` bytes per rank (rounded down to whole float32 elements).
  /// Collective: every rank calls it with the same arguments. Returns the record on rank 0.
  public func measure(_ algorithm: any AllreduceAlgorithm, bytes: Int) throws -> Point? {
    let count = bytes / MemoryLayout<Float>.stride
    let actualBytes = count * MemoryLayout<Float>.stride
    let (planned, plannedWarmup) = plan.counts(bytes: actualBytes)
    // A time budget needs one untimed iteration to judge the cost by.
    let warmup = plan.secondsPerSize == nil ? plannedWarmup : max(1, plannedWarmup)
    let buffer = Self.pageAlignedBuffer(count: count)
    defer { UnsafeMutableRawPointer(buffer.baseAddress!).deallocate() }

    let wrongHere = try validate(algorithm, buffer: buffer)

    buffer.update(repeating: 0)
    // Every rank must run the same counts: decide on the slowest rank's fastest of the first
    // few warm-up iterations (one descheduled iteration must not shrink the count). Whether
    // to run one more is decided on that collective figure too, never on a rank's own times:
    // ranks deciding apart would leave one in the algorithm and another in the next call.
    var done = 0
    var slowest = 0.0
    if plan.secondsPerSize != nil && warmup > 0 {
      var fastest = Double.infinity
      repeat {
        let start = MPI.wtime()
        try algorithm.allreduce(buffer, on: communicator)
        fastest = min(fastest, MPI.wtime() - start)
        done += 1
        slowest = try communicator.allreduce([fastest], op: .max)[0]
      } while done < min(3, warmup) && slowest * Double(done) < 0.1 * plan.secondsPerSize!
    }
    let remainingWarmup = plan.warmup(planned: warmup, secondsPerIteration: slowest) - done
    for _ in 0..<max(0, remainingWarmup) { try algorithm.allreduce(buffer, on: communicator) }
    let warmupsDone = done + max(0, remainingWarmup)
    let iterations = plan.iterations(planned: planned, secondsPerIteration: slowest)
    var samples = [Double](repeating: 0, count: iterations)
    let call = algorithm.prepared(buffer, on: communicator)
    try communicator.barrier()
    try samples.withUnsafeMutableBufferPointer { samples in
      for index in 0..<iterations {
        let start = MPI.wtime()
        try call()
        samples[index] = MPI.wtime() - start
        try communicator.barrier()
      }
    }

    let own = Summary(of: samples.map { $0 * 1e6 })
    let ownFigures = [own.min, own.mean, own.median, own.p95, own.max]
    let figures = try communicator.gather(ownFigures, root: 0, padding: 0)
    let wrong = try communicator.allreduce([Int64(wrongHere)], op: .sum)[0]
    guard communicator.rank == 0 else { return nil }

    let perRank = stride(from: 0, to: figures.count, by: ownFigures.count).map {
      Summary(
        min: figures[$0], mean: figures[$0 + 1], median: figures[$0 + 2], p95: figures[$0 + 3], max: figures[$0 + 4])
    }
    let meansUs = perRank.map(\.mean)
    let summary = Summary(of: meansUs)
    var record = context.record(.allreduce)
    record.algorithm = algorithm.name
    record.bytes = actualBytes
    record.iterations = iterations
    record.warmup = warmupsDone
    record.timeUs = summary
    record.rankTimeUs = perRank
    record.slowestRank = meansUs.indices.max { meansUs[$0] < meansUs[$1] }
    record.algbwGbps = Collective.algorithmBandwidth(bytes: actualBytes, seconds: summary.mean / 1e6)
    record.busbwGbps = Collective.allreduce.busBandwidth(
      bytes: actualBytes, seconds: summary.mean / 1e6, ranks: communicator.size)
    record.wrong = Int(wrong)
    return Point(record: record, perRankMeansUs: meansUs)
  }

  /// `count` floats (at least one allocated) at the start of a page.
  static func pageAlignedBuffer(count: Int) -> UnsafeMutableBufferPointer<Float> {
    let alignment = max(Int(sysconf(Int32(_SC_PAGESIZE))), MemoryLayout<Float>.alignment)
    let memory = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: alignment)
    let floats = memory.bindMemory(to: Float.self, capacity: max(count, 1))
    return UnsafeMutableBufferPointer(start: floats, count: count)
  }

  /// Runs the algorithm once on rank-dependent integer values and counts the elements whose sum
  /// is not exactly right on this rank. Values stay below 2^24 so every partial sum is exact.
  func validate(_ algorithm: any AllreduceAlgorithm, buffer: UnsafeMutableBufferPointer<Float>) throws -> Int {
    let rankSum = communicator.size * (communicator.size + 1) / 2
    for index in buffer.indices { buffer[index] = Self.validationValue(rank: communicator.rank, index: index) }
    try algorithm.allreduce(buffer, on: communicator)
    var wrong = 0
    for index in buffer.indices {
      let expected = Float(rankSum * (index % 61 + 1))
      if buffer[index] != expected { wrong += 1 }
    }
    return wrong
  }

  /// The integer-valued input of `rank` at element `index`: small, distinct per rank and index.
  @inline(__always)
  static func validationValue(rank: Int, index: Int) -> Float {
    Float((rank + 1) * (index % 61 + 1))
  }
}
