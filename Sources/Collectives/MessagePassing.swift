/// What the hand-written allreduce schedules need of a communicator: its rank and size, point-to-
/// point messages, sub-communicators, and the local sum. `Communicator` runs them over MPI; a
/// schedule written against this protocol can also be run over a counting communicator that
/// tallies the messages and bytes it really sends (how the tests check `AllreduceKind.cost`).
public protocol MessagePassing: AnyObject {
  associatedtype PendingMessage: PendingOperation

  var rank: Int { get }
  var size: Int { get }

  func send<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int) throws
  func receive<T: MPIElement>(into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int) throws
  func sendReceive<T: MPIElement>(
    _ outgoing: UnsafeBufferPointer<T>, to destination: Int,
    into incoming: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int
  ) throws
  func isend<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int) throws -> PendingMessage
  func irecv<T: MPIElement>(into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int) throws
    -> PendingMessage

  /// The ranks that share this rank's node.
  func splitByNode() throws -> Self
  /// Ranks with the same `color` form a communicator, ordered by `key`.
  func split(color: Int, key: Int) throws -> Self

  /// `result[i] = first[i] + second[i]`, the one computation of the schedules (`LocalReduction`).
  func sum<T: MPIFloatingPoint>(
    _ first: UnsafeBufferPointer<T>, _ second: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>)
}

/// A pending nonblocking send or receive.
public protocol PendingOperation {
  /// Blocks until the operation has completed.
  func wait() throws
}

extension MessagePassing {
  public func sum<T: MPIFloatingPoint>(
    _ first: UnsafeBufferPointer<T>, _ second: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>
  ) {
    LocalReduction.sum(first, second, into: result)
  }
}

extension Communicator: MessagePassing {}
extension Request: PendingOperation {}

/// An allreduce whose schedule is dlscale's own, written against `MessagePassing`: run over MPI
/// by `allreduce(_:on:)`, or over any other communicator (a counting one in the tests).
public protocol ScheduledAllreduce: AllreduceAlgorithm {
  /// Sums `buffer` elementwise across every rank of `communicator`, in place.
  func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C) throws
}

extension ScheduledAllreduce {
  public func allreduce<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    throws
  {
    try allreduce(buffer, across: communicator)
  }
}
