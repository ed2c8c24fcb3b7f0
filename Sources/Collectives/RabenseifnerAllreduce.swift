import Measurements

/// Rabenseifner's allreduce (algorithm `rabenseifner`): a reduce-scatter by recursive halving
/// (each round, exchange half of the current window with the partner and keep the reduced
/// other half) followed by an allgather by recursive doubling (the same rounds in reverse,
/// exchanging the reduced windows). Non-power-of-two p folds the extra ranks in first
/// (`PowerOfTwoFold`). Bandwidth-optimal like the ring, with lg p′ rounds instead of p − 1.
///
/// Cost (`AllreduceKind.cost`; Thakur, Rabenseifner, Gropp 2005), p ranks, n bytes, p′ = 2^⌊lg p⌋:
/// 2 lg p′·α + 2((p′−1)/p′)nβ + ((p′−1)/p′)nγ, plus (α + nβ + nγ) + (α + nβ) for the fold
/// when p ≠ p′. For p = p′ this is the lower bound 2((p−1)/p)nβ in β.
///
/// Each block is reduced by one participant per round (lower participant's partial sum first)
/// and then only copied, so every rank ends with identical bits.
public final class RabenseifnerAllreduce: ScheduledAllreduce {
  private let scratch = ScratchStorage()
  private static let tag = 0x7261

  public init() {}

  public var kind: AllreduceKind { .rabenseifner }

  public func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1, buffer.count > 0 else { return }
    let fold = PowerOfTwoFold(ranks: communicator.size, rank: communicator.rank)
    let received = scratch.buffer(of: T.self, count: buffer.count)
    try fold.foldIn(buffer, scratch: received, on: communicator, tag: Self.tag)
    if let me = fold.participant {
      let blocks = BlockPartition(count: buffer.count, parts: fold.participants)
      let window = try reduceScatter(buffer, blocks: blocks, me: me, fold: fold, received: received, on: communicator)
      try allgather(buffer, blocks: blocks, me: me, window: window, fold: fold, on: communicator)
    }
    try fold.foldOut(buffer, on: communicator, tag: Self.tag)
  }

  /// Recursive halving: returns the window of blocks this participant holds reduced (`me..<me+1`).
  private func reduceScatter<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, blocks: BlockPartition, me: Int, fold: PowerOfTwoFold,
    received: UnsafeMutableBufferPointer<T>, on communicator: some MessagePassing
  ) throws -> Range<Int> {
    var window = 0..<fold.participants
    var distance = fold.participants / 2
    while distance >= 1 {
      let partner = me ^ distance
      let middle = window.lowerBound + distance
      let lowerHalf = window.lowerBound..<middle
      let upperHalf = middle..<window.upperBound
      let (kept, given) = me & distance == 0 ? (lowerHalf, upperHalf) : (upperHalf, lowerHalf)
      let keptElements = buffer.slice(blocks.range(blocks: kept))
      let incoming = received.prefix(count: keptElements.count)
      let partnerRank = fold.rank(ofParticipant: partner)
      try communicator.sendReceive(
        buffer.slice(blocks.range(blocks: given)).readOnly, to: partnerRank, into: incoming, from: partnerRank,
        tag: Self.tag)
      if partner < me {
        communicator.sum(incoming.readOnly, keptElements.readOnly, into: keptElements)
      } else {
        communicator.sum(keptElements.readOnly, incoming.readOnly, into: keptElements)
      }
      window = kept
      distance /= 2
    }
    return window
  }

  /// Recursive doubling of the reduced windows until every participant holds every block.
  private func allgather<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, blocks: BlockPartition, me: Int, window start: Range<Int>,
    fold: PowerOfTwoFold, on communicator: some MessagePassing
  ) throws {
    var window = start
    var distance = 1
    while distance < fold.participants {
      let partner = me ^ distance
      let partnerWindow =
        me & distance == 0
        ? window.upperBound..<window.upperBound + distance : window.lowerBound - distance..<window.lowerBound
      let partnerRank = fold.rank(ofParticipant: partner)
      try communicator.sendReceive(
        buffer.slice(blocks.range(blocks: window)).readOnly, to: partnerRank,
        into: buffer.slice(blocks.range(blocks: partnerWindow)), from: partnerRank, tag: Self.tag)
      window = min(window.lowerBound, partnerWindow.lowerBound)..<max(window.upperBound, partnerWindow.upperBound)
      distance <<= 1
    }
  }
}
