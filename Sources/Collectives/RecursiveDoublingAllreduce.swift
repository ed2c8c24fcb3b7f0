import Measurements

/// Recursive doubling allreduce (algorithm `recursive-doubling`): in round k every participant
/// exchanges its whole vector with the participant 2^k away and adds, so after lg p′ rounds
/// every participant holds the sum. Non-power-of-two p folds the extra ranks in first
/// (`PowerOfTwoFold`). Best for small vectors: few rounds, whole vector each round.
///
/// Cost (`AllreduceKind.cost`; Thakur, Rabenseifner, Gropp 2005), p ranks, n bytes, p′ = 2^⌊lg p⌋:
/// ⌊lg p⌋(α + nβ + nγ), plus (α + nβ + nγ) + (α + nβ) for the fold when p ≠ p′; that is
/// ⌈lg p⌉(α + nβ + nγ) + [p ≠ p′](α + nβ).
///
/// Every pair adds in the same operand order (lower participant's vector first), so both
/// partners compute bitwise the same sum and every rank ends with identical bits.
public final class RecursiveDoublingAllreduce: ScheduledAllreduce {
  private let scratch = ScratchStorage()
  private static let tag = 0x7244

  public init() {}

  public var kind: AllreduceKind { .recursiveDoubling }

  public func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1, buffer.count > 0 else { return }
    let fold = PowerOfTwoFold(ranks: communicator.size, rank: communicator.rank)
    let received = scratch.buffer(of: T.self, count: buffer.count)
    try fold.foldIn(buffer, scratch: received, on: communicator, tag: Self.tag)
    if let me = fold.participant {
      var distance = 1
      while distance < fold.participants {
        let partner = me ^ distance
        try communicator.sendReceive(
          buffer.readOnly, to: fold.rank(ofParticipant: partner), into: received,
          from: fold.rank(ofParticipant: partner), tag: Self.tag)
        if partner < me {
          communicator.sum(received.readOnly, buffer.readOnly, into: buffer)
        } else {
          communicator.sum(buffer.readOnly, received.readOnly, into: buffer)
        }
        distance <<= 1
      }
    }
    try fold.foldOut(buffer, on: communicator, tag: Self.tag)
  }
}
