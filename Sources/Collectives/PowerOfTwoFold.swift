import Measurements

/// The standard reduction of p ranks to the largest power of two p′ ≤ p, used by recursive
/// doubling and Rabenseifner's algorithm (Thakur, Rabenseifner, Gropp 2005, §4).
///
/// With r = p − p′, each even rank among the first 2r sends its vector to the odd rank above it
/// and sits out; the odd rank sums the two (lower rank's data first) and takes part as
/// participant `rank / 2`; ranks from 2r on take part as `rank − r`. After the power-of-two
/// algorithm, each odd rank among the first 2r sends the result back to the even rank below.
///
/// Cost when p is not a power of two: fold in α + nβ + nγ, fold out α + nβ
/// (`AllreduceKind.foldCost`).
struct PowerOfTwoFold {
  let ranks: Int
  let rank: Int
  /// p′, the number of participants.
  let participants: Int
  /// r = p − p′, the number of ranks that sit out.
  let remainder: Int

  init(ranks: Int, rank: Int) {
    self.ranks = ranks
    self.rank = rank
    self.participants = RankArithmetic.largestPowerOfTwo(atMost: ranks)
    self.remainder = ranks - participants
  }

  /// This rank's index among the participants, or nil if it sits out.
  var participant: Int? {
    if rank < 2 * remainder { return rank % 2 == 1 ? rank / 2 : nil }
    return rank - remainder
  }

  /// The communicator rank of participant `index`.
  func rank(ofParticipant index: Int) -> Int {
    index < remainder ? 2 * index + 1 : index + remainder
  }

  /// Before the power-of-two algorithm: sends or absorbs the vector of the rank that sits out.
  func foldIn<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>,
    on communicator: some MessagePassing,
    tag: Int
  ) throws {
    guard rank < 2 * remainder else { return }
    if rank % 2 == 0 {
      try communicator.send(buffer.readOnly, to: rank + 1, tag: tag)
    } else {
      let lower = scratch.prefix(count: buffer.count)
      try communicator.receive(into: lower, from: rank - 1, tag: tag)
      communicator.sum(lower.readOnly, buffer.readOnly, into: buffer)
    }
  }

  /// After the power-of-two algorithm: returns the result to the rank that sat out.
  func foldOut<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, on communicator: some MessagePassing, tag: Int
  )
    throws
  {
    guard rank < 2 * remainder else { return }
    if rank % 2 == 1 {
      try communicator.send(buffer.readOnly, to: rank - 1, tag: tag)
    } else {
      try communicator.receive(into: buffer, from: rank + 1, tag: tag)
    }
  }
}
