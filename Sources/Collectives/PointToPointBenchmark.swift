import Measurements

/// Latency and bandwidth from every rank to every other rank, one ordered pair at a time while the
/// others wait, so that a slow link or host stands out in the matrix.
///
/// Latency is OSU's `osu_latency`: half the round trip of a blocking ping-pong. Bandwidth is
/// OSU's `osu_bw`: a window of nonblocking sends, acknowledged by a 4-byte reply, repeated.
public struct PointToPointBenchmark {
  public let communicator: Communicator
  public let context: RunContext
  public var plan: IterationPlan
  /// Messages in flight per bandwidth iteration.
  public var window: Int = 16
  /// Bytes one pair's latency or bandwidth test moves at most: timed iterations shrink to fit
  /// (to no fewer than two), so large messages on slow links finish in seconds.
  public var byteBudget: Int = 32 << 20

  public init(communicator: Communicator, context: RunContext, plan: IterationPlan) {
    self.communicator = communicator
    self.context = context
    self.plan = plan
  }

  /// Measures one ordered pair at `bytes`. Collective over the communicator (idle ranks wait at
  /// the barriers). Returns the record on rank 0.
  public func measure(from sender: Int, to receiver: Int, bytes: Int) throws -> Record? {
    precondition(sender != receiver, "p2p pair needs two ranks")
    let rank = communicator.rank
    var latency = 0.0
    var bandwidth = 0.0
    if rank == sender || rank == receiver {
      var buffer = [UInt8](repeating: UInt8(truncatingIfNeeded: rank), count: max(bytes, 1))
      let peer = rank == sender ? receiver : sender
      try buffer.withUnsafeMutableBufferPointer { buffer in
        let message = UnsafeMutableBufferPointer(rebasing: buffer[0..<bytes])
        latency = try pingPong(message, peer: peer, isSender: rank == sender, bytes: bytes)
        bandwidth = try stream(message, peer: peer, isSender: rank == sender, bytes: bytes)
      }
    }
    try communicator.barrier()
    // The sender's figures are the ones that count; move them to rank 0.
    let figures = try communicator.allreduce(
      [rank == sender ? latency : 0, rank == sender ? bandwidth : 0], op: .sum)
    guard rank == 0 else { return nil }
    var record = context.record(.p2p)
    record.from = sender
    record.to = receiver
    record.fromHost = context.rankHosts[sender]
    record.toHost = context.rankHosts[receiver]
    record.bytes = bytes
    record.iterations = fitted(plan.counts(bytes: bytes).iterations, bytesPerIteration: 2 * bytes)
    record.latencyUs = figures[0] * 1e6
    record.bandwidthGbps = figures[1] / 1e9
    return record
  }

  /// Half the mean round-trip time in seconds.
  private func pingPong(_ message: UnsafeMutableBufferPointer<UInt8>, peer: Int, isSender: Bool, bytes: Int) throws
    -> Double
  {
    let (planned, plannedWarmup) = plan.counts(bytes: bytes)
    let iterations = fitted(planned, bytesPerIteration: 2 * bytes)
    let warmup = min(plannedWarmup, max(1, iterations / 10))
    let readOnly = UnsafeBufferPointer(message)
    var start = 0.0
    for iteration in 0..<(warmup + iterations) {
      if iteration == warmup { start = MPI.wtime() }
      if isSender {
        try communicator.send(readOnly, to: peer, tag: 1)
        try communicator.receive(into: message, from: peer, tag: 1)
      } else {
        try communicator.receive(into: message, from: peer, tag: 1)
        try communicator.send(readOnly, to: peer, tag: 1)
      }
    }
    return (MPI.wtime() - start) / Double(2 * iterations)
  }

  /// The planned iteration count, shrunk so the test moves at most `byteBudget` bytes.
  private func fitted(_ planned: Int, bytesPerIteration: Int) -> Int {
    guard bytesPerIteration > 0 else { return planned }
    return max(2, min(planned, byteBudget / bytesPerIteration))
  }

  /// Streaming bandwidth in bytes per second (0 for empty messages).
  private func stream(_ message: UnsafeMutableBufferPointer<UInt8>, peer: Int, isSender: Bool, bytes: Int) throws
    -> Double
  {
    guard bytes > 0 else { return 0 }
    let (planned, plannedWarmup) = plan.counts(bytes: bytes)
    let perIteration = bytes * window
    let iterations = fitted(planned, bytesPerIteration: perIteration)
    let warmup = min(plannedWarmup, max(1, iterations / 10))
    var ack = [Int32(0)]
    var start = 0.0
    for iteration in 0..<(warmup + iterations) {
      if iteration == warmup { start = MPI.wtime() }
      var requests: [Request] = []
      requests.reserveCapacity(window)
      if isSender {
        for _ in 0..<window { requests.append(try communicator.isend(UnsafeBufferPointer(message), to: peer, tag: 2)) }
        try Request.waitAll(requests)
        try ack.withUnsafeMutableBufferPointer { try communicator.receive(into: $0, from: peer, tag: 3) }
      } else {
        for _ in 0..<window { requests.append(try communicator.irecv(into: message, from: peer, tag: 2)) }
        try Request.waitAll(requests)
        try ack.withUnsafeBufferPointer { try communicator.send($0, to: peer, tag: 3) }
      }
    }
    let seconds = MPI.wtime() - start
    return Double(perIteration * iterations) / seconds
  }
}
