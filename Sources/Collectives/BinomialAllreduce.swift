import Measurements

/// Binomial-tree allreduce (algorithm `binomial`): a binomial-tree reduce to rank 0 followed by
/// a binomial-tree broadcast of the sum (`BinomialTree`). The simplest tree schedule; every
/// round moves the whole vector, so it suits small vectors only.
///
/// Cost (`AllreduceKind.cost`; Thakur, Rabenseifner, Gropp 2005), p ranks, n bytes, with lg p read as ⌈lg p⌉:
/// 2 lg p·α + 2n·lg p·β + n·lg p·γ.
///
/// Rank 0 computes the one sum and everyone else receives a copy: identical bits everywhere.
public final class BinomialAllreduce: ScheduledAllreduce {
  private let scratch = ScratchStorage()
  private static let tag = 0x6269

  public init() {}

  public var kind: AllreduceKind { .binomial }

  public func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1, buffer.count > 0 else { return }
    try BinomialTree.reduce(
      buffer, scratch: scratch.buffer(of: T.self, count: buffer.count), on: communicator, tag: Self.tag)
    try BinomialTree.broadcast(buffer, on: communicator, tag: Self.tag)
  }
}
