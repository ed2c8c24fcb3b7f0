import Measurements

/// Ring allreduce (algorithm `ring`): the vector is cut into p chunks; a reduce-scatter passes
/// partial sums p − 1 steps around the ring (rank r sends to r + 1) until each rank holds one
/// chunk fully reduced, and an allgather passes the reduced chunks p − 1 more steps.
///
/// Cost (`AllreduceKind.cost`; Thakur, Rabenseifner, Gropp 2005), p ranks, n bytes:
/// 2(p−1)α + 2((p−1)/p)nβ + ((p−1)/p)nγ — the lower bound 2((p−1)/p)nβ in β. Segmenting adds
/// α per segment but hides all but one segment's γ and latency behind the link.
///
/// Segmented and pipelined: each chunk is cut into segments of at most `segmentBytes`, and the
/// 2(p−1) steps run as one stream of segment messages. The segment a rank receives in step t
/// is the one it sends in step t + 1, so it is forwarded as soon as it is reduced, while the
/// next segments are still arriving. Receives are posted `segmentsInFlight` ahead (`MPI_Irecv`
/// into scratch slots during the reduce-scatter, straight into the vector during the
/// allgather) and sends are `MPI_Isend`, so the link never waits for a local sum or for a
/// rendezvous handshake. A blocking `MPI_Sendrecv` per step would leave the link idle while
/// each chunk is summed, and TCP would drain its window at every step.
///
/// Each chunk is summed once in a fixed order around the ring (incoming partial sum first) and
/// then only copied, so every rank ends with identical bits.
public final class RingAllreduce: ScheduledAllreduce {
  /// The largest message the ring sends.
  public let segmentBytes: Int
  /// How many segment receives are posted ahead of the one being reduced.
  public let segmentsInFlight: Int
  private let scratch = ScratchStorage()
  private static let tag = 0x7269

  public init(segmentBytes: Int = 1 << 20, segmentsInFlight: Int = 4) {
    precondition(segmentBytes > 0 && segmentsInFlight > 0, "RingAllreduce: segment size and window must be positive")
    self.segmentBytes = segmentBytes
    self.segmentsInFlight = segmentsInFlight
  }

  public var kind: AllreduceKind { .ring }

  public func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1, buffer.count > 0 else { return }
    var schedule = schedule(of: buffer, on: communicator)
    let slots = scratch.buffer(of: T.self, count: schedule.inFlight * schedule.largestSegment)
    try schedule.run(buffer, slots: slots, on: communicator, tag: Self.tag, units: schedule.allUnits)
  }

  /// The ring's first half alone: afterwards this rank's chunk (r + 1) mod p holds the sum over
  /// every rank, the other chunks partial sums. Returns the elements of that chunk (the whole
  /// buffer on one rank). Cost: (p−1)α + ((p−1)/p)nβ + ((p−1)/p)nγ.
  func reduceScatter<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws -> Range<Int> {
    guard communicator.size > 1 else { return 0..<buffer.count }
    var schedule = schedule(of: buffer, on: communicator)
    let slots = scratch.buffer(of: T.self, count: schedule.inFlight * schedule.largestSegment)
    try schedule.run(buffer, slots: slots, on: communicator, tag: Self.tag, units: schedule.reduceScatterUnits)
    return schedule.ownedChunk
  }

  /// The ring's second half alone: from each rank's chunk (r + 1) mod p, as `reduceScatter`
  /// leaves it, every rank gets every chunk. Cost: (p−1)α + ((p−1)/p)nβ.
  func allgather<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1 else { return }
    var schedule = schedule(of: buffer, on: communicator)
    try schedule.run(
      buffer, slots: UnsafeMutableBufferPointer(start: nil, count: 0), on: communicator, tag: Self.tag,
      units: schedule.allgatherUnits)
  }

  private func schedule<T, C: MessagePassing>(of buffer: UnsafeMutableBufferPointer<T>, on communicator: C)
    -> RingSchedule<C>
  {
    RingSchedule<C>(
      count: buffer.count, ranks: communicator.size, rank: communicator.rank,
      segmentElements: max(1, segmentBytes / MemoryLayout<T>.stride), segmentsInFlight: segmentsInFlight)
  }
}

/// One run of the segmented ring: which segment moves in which unit, and the pending requests.
///
/// Unit u = t·m + k is segment k (of m per chunk) of step t (of 2(p−1)). In step t rank r sends
/// chunk (r − t) mod p and receives chunk (r − t − 1) mod p from r − 1; steps t < p − 1 add the
/// received segment into the vector, the later ones overwrite it. A run covers a range of units:
/// all of them, or one half (the reduce-scatter or the allgather alone).
private struct RingSchedule<C: MessagePassing> {
  let ranks: Int
  let rank: Int
  let chunks: BlockPartition
  /// m: segments per chunk.
  let segmentsPerChunk: Int
  let units: Int
  /// Receives posted ahead; at most (p − 1)·m so that a segment's earlier send is always
  /// posted before the receive that overwrites it.
  let inFlight: Int
  let largestSegment: Int
  private var receives: [C.PendingMessage?]
  private var sends: [(unit: Int, request: C.PendingMessage)] = []
  private var completedSends = 0

  init(count: Int, ranks: Int, rank: Int, segmentElements: Int, segmentsInFlight: Int) {
    self.ranks = ranks
    self.rank = rank
    chunks = BlockPartition(count: count, parts: ranks)
    segmentsPerChunk = (chunks.largestBlock + segmentElements - 1) / segmentElements
    units = 2 * (ranks - 1) * segmentsPerChunk
    inFlight = min(segmentsInFlight, (ranks - 1) * segmentsPerChunk)
    largestSegment = (chunks.largestBlock + segmentsPerChunk - 1) / segmentsPerChunk
    receives = Array(repeating: nil, count: inFlight)
  }

  private var reduceSteps: Int { ranks - 1 }

  var allUnits: Range<Int> { 0..<units }
  var reduceScatterUnits: Range<Int> { 0..<reduceSteps * segmentsPerChunk }
  var allgatherUnits: Range<Int> { reduceSteps * segmentsPerChunk..<units }
  /// The chunk this rank holds fully reduced after the reduce-scatter: the one it received last.
  var ownedChunk: Range<Int> { chunks.range(chunkReceived(step: reduceSteps - 1)) }

  /// The elements of segment `segment` of chunk `chunk`.
  private func elements(chunk: Int, segment: Int) -> Range<Int> {
    let whole = chunks.range(chunk)
    let part = BlockPartition(count: whole.count, parts: segmentsPerChunk).range(segment)
    return whole.lowerBound + part.lowerBound..<whole.lowerBound + part.upperBound
  }

  private func chunkSent(step: Int) -> Int { ((rank - step) % ranks + ranks) % ranks }
  private func chunkReceived(step: Int) -> Int { chunkSent(step: step + 1) }

  mutating func run<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, slots: UnsafeMutableBufferPointer<T>, on communicator: C,
    tag: Int, units phase: Range<Int>
  ) throws {
    let right = (rank + 1) % ranks
    let left = (rank - 1 + ranks) % ranks
    let end = phase.upperBound
    for unit in phase.prefix(segmentsPerChunk) {
      try postSend(unit: unit, buffer, to: right, on: communicator, tag: tag)
    }
    for unit in phase.prefix(inFlight) {
      try postReceive(unit: unit, buffer, slots: slots, from: left, on: communicator, tag: tag)
    }
    for unit in phase {
      try receives[unit % inFlight]!.wait()
      receives[unit % inFlight] = nil
      let step = unit / segmentsPerChunk
      if step < reduceSteps {
        let own = buffer.slice(elements(chunk: chunkReceived(step: step), segment: unit % segmentsPerChunk))
        let incoming = slot(unit, slots).prefix(count: own.count)
        communicator.sum(incoming.readOnly, own.readOnly, into: own)
      }
      if unit + segmentsPerChunk < end {
        try postSend(unit: unit + segmentsPerChunk, buffer, to: right, on: communicator, tag: tag)
      }
      if unit + inFlight < end {
        try postReceive(unit: unit + inFlight, buffer, slots: slots, from: left, on: communicator, tag: tag)
      }
    }
    try waitForSends(through: end - 1)
  }

  private func slot<T>(_ unit: Int, _ slots: UnsafeMutableBufferPointer<T>) -> UnsafeMutableBufferPointer<T> {
    let index = unit % inFlight
    return slots.slice(index * largestSegment..<(index + 1) * largestSegment)
  }

  private mutating func postSend<T: MPIFloatingPoint>(
    unit: Int, _ buffer: UnsafeMutableBufferPointer<T>, to right: Int, on communicator: C, tag: Int
  ) throws {
    let range = elements(chunk: chunkSent(step: unit / segmentsPerChunk), segment: unit % segmentsPerChunk)
    sends.append((unit, try communicator.isend(buffer.slice(range).readOnly, to: right, tag: tag)))
  }

  private mutating func postReceive<T: MPIFloatingPoint>(
    unit: Int, _ buffer: UnsafeMutableBufferPointer<T>, slots: UnsafeMutableBufferPointer<T>, from left: Int,
    on communicator: C, tag: Int
  ) throws {
    let step = unit / segmentsPerChunk
    let segment = unit % segmentsPerChunk
    let range = elements(chunk: chunkReceived(step: step), segment: segment)
    let destination: UnsafeMutableBufferPointer<T>
    if step < reduceSteps {
      destination = slot(unit, slots).prefix(count: range.count)
    } else {
      // The allgather overwrites the segment this rank sent, as a partial sum, in step t + 1 − p.
      try waitForSends(through: (step + 1 - ranks) * segmentsPerChunk + segment)
      destination = buffer.slice(range)
    }
    receives[unit % inFlight] = try communicator.irecv(into: destination, from: left, tag: tag)
  }

  /// Completes every send of a unit up to and including `unit` (sends complete in order).
  private mutating func waitForSends(through unit: Int) throws {
    while completedSends < sends.count && sends[completedSends].unit <= unit {
      try sends[completedSends].request.wait()
      completedSends += 1
    }
    if completedSends == sends.count {
      sends.removeAll(keepingCapacity: true)
      completedSends = 0
    }
  }
}
