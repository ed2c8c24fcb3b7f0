/// Binomial-tree reduce to rank 0 and broadcast from rank 0 on point-to-point messages, shared
/// by the `binomial` and `hierarchical` allreduces. Each takes ⌈lg p⌉ rounds of whole-vector
/// messages: reduce ⌈lg p⌉(α + nβ + nγ), broadcast ⌈lg p⌉(α + nβ).
///
/// In the reduce, rank r receives from r + 2^k in round k and adds its own partial sum first,
/// so the sum's association is a fixed tree independent of timing.
enum BinomialTree {
  /// Sums every rank's `buffer` into rank 0's `buffer`; the other ranks' buffers end as
  /// partial sums. `scratch` holds at least `buffer.count` elements.
  static func reduce<T: MPIFloatingPoint>(
    _ buffer: UnsafeMutableBufferPointer<T>, scratch: UnsafeMutableBufferPointer<T>,
    on communicator: some MessagePassing,
    tag: Int
  ) throws {
    let rank = communicator.rank
    let incoming = scratch.prefix(count: buffer.count)
    var distance = 1
    while distance < communicator.size {
      if rank & distance != 0 {
        try communicator.send(buffer.readOnly, to: rank - distance, tag: tag)
        return
      }
      if rank + distance < communicator.size {
        try communicator.receive(into: incoming, from: rank + distance, tag: tag)
        communicator.sum(buffer.readOnly, incoming.readOnly, into: buffer)
      }
      distance <<= 1
    }
  }

  /// Copies rank 0's `buffer` into every rank's `buffer`.
  static func broadcast<T: MPIElement>(
    _ buffer: UnsafeMutableBufferPointer<T>, on communicator: some MessagePassing, tag: Int
  )
    throws
  {
    let rank = communicator.rank
    var distance = 1
    while distance < communicator.size {
      if rank & distance != 0 {
        try communicator.receive(into: buffer, from: rank - distance, tag: tag)
        break
      }
      distance <<= 1
    }
    distance >>= 1
    while distance > 0 {
      if rank + distance < communicator.size {
        try communicator.send(buffer.readOnly, to: rank + distance, tag: tag)
      }
      distance >>= 1
    }
  }
}
