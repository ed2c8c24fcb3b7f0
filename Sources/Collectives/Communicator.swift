import CMPI

/// A Swift view of an MPI communicator: its rank and size, and the point-to-point and collective
/// operations dlscale uses, on typed buffers lent for the duration of the call.
///
/// Not `Sendable`: MPI handles belong to the thread that uses them (dlscale initialises MPI at
/// `FUNNELED` or above, and one thread at a time calls into a communicator).
public final class Communicator {
  let handle: MPI_Comm
  private let owned: Bool
  public let rank: Int
  public let size: Int
  /// How this rank waits for the communicator's operations; communicators split from this one
  /// inherit it.
  public var waitPolicy: WaitPolicy = .library

  init(handle: MPI_Comm, owned: Bool) throws {
    self.handle = handle
    self.owned = owned
    var rank: Int32 = 0
    var size: Int32 = 0
    try check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
    try check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
    self.rank = Int(rank)
    self.size = Int(size)
  }

  deinit {
    if owned && !MPI.isFinalized {
      var handle: MPI_Comm? = self.handle
      _ = MPI_Comm_free(&handle)
    }
  }

  /// `MPI_COMM_WORLD`. Requires `MPI.initialize()`.
  public static func world() throws -> Communicator {
    try Communicator(handle: cmpi_comm_world(), owned: false)
  }

  /// The name of the node this rank runs on (`MPI_Get_processor_name`).
  public static func processorName() throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
    var length: Int32 = 0
    try check(MPI_Get_processor_name(&buffer, &length), "MPI_Get_processor_name")
    return String(decoding: buffer[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The ranks that share this rank's node (`MPI_Comm_split_type` with `MPI_COMM_TYPE_SHARED`).
  public func splitByNode() throws -> Communicator {
    var result: MPI_Comm?
    try check(
      MPI_Comm_split_type(handle, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &result),
      "MPI_Comm_split_type")
    guard let result else { throw MPIError(call: "MPI_Comm_split_type", code: -1, message: "no communicator") }
    try check(MPI_Comm_set_errhandler(result, cmpi_errors_return()), "MPI_Comm_set_errhandler")
    let communicator = try Communicator(handle: result, owned: true)
    communicator.waitPolicy = waitPolicy
    return communicator
  }

  /// `MPI_Comm_split`: ranks with the same `color` form a communicator, ordered by `key`.
  public func split(color: Int, key: Int) throws -> Communicator {
    var result: MPI_Comm?
    try check(MPI_Comm_split(handle, Int32(color), Int32(key), &result), "MPI_Comm_split")
    guard let result else { throw MPIError(call: "MPI_Comm_split", code: -1, message: "no communicator") }
    try check(MPI_Comm_set_errhandler(result, cmpi_errors_return()), "MPI_Comm_set_errhandler")
    let communicator = try Communicator(handle: result, owned: true)
    communicator.waitPolicy = waitPolicy
    return communicator
  }

  public func barrier() throws {
    guard waitPolicy == .library else {
      var request: MPI_Request?
      try check(MPI_Ibarrier(handle, &request), "MPI_Ibarrier")
      return try Request(handle: request, call: "MPI_Ibarrier", policy: waitPolicy).wait()
    }
    try check(MPI_Barrier(handle), "MPI_Barrier")
  }

  // MARK: Point to point

  public func send<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int = 0) throws {
    precondition(destination >= 0 && destination < size, "send: rank \(destination) out of 0..<\(size)")
    if waitPolicy != .library { return try isend(buffer, to: destination, tag: tag).wait() }
    try check(
      MPI_Send(buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, Int32(destination), Int32(tag), handle),
      "MPI_Send")
  }

  public func receive<T: MPIElement>(
    into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int = 0
  ) throws {
    precondition(source >= 0 && source < size, "receive: rank \(source) out of 0..<\(size)")
    if waitPolicy != .library { return try irecv(into: buffer, from: source, tag: tag).wait() }
    try check(
      MPI_Recv(
        buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, Int32(source), Int32(tag), handle,
        cmpi_status_ignore()),
      "MPI_Recv")
  }

  /// `MPI_Sendrecv`: sends `outgoing` to `destination` while receiving `incoming` from `source`.
  public func sendReceive<T: MPIElement>(
    _ outgoing: UnsafeBufferPointer<T>, to destination: Int,
    into incoming: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int = 0
  ) throws {
    precondition(destination >= 0 && destination < size, "sendReceive: rank \(destination) out of 0..<\(size)")
    precondition(source >= 0 && source < size, "sendReceive: rank \(source) out of 0..<\(size)")
    if waitPolicy != .library {
      let receive = try irecv(into: incoming, from: source, tag: tag)
      let send = try isend(outgoing, to: destination, tag: tag)
      try receive.wait()
      return try send.wait()
    }
    try check(
      MPI_Sendrecv(
        outgoing.baseAddress, mpiCount(outgoing.count), T.datatype.handle, Int32(destination), Int32(tag),
        incoming.baseAddress, mpiCount(incoming.count), T.datatype.handle, Int32(source), Int32(tag),
        handle, cmpi_status_ignore()),
      "MPI_Sendrecv")
  }

  /// `MPI_Isend`. The buffer must stay valid and unchanged until the request completes.
  public func isend<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int = 0) throws
    -> Request
  {
    precondition(destination >= 0 && destination < size, "isend: rank \(destination) out of 0..<\(size)")
    var request: MPI_Request?
    try check(
      MPI_Isend(
        buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, Int32(destination), Int32(tag), handle,
        &request),
      "MPI_Isend")
    return Request(handle: request, call: "MPI_Isend", policy: waitPolicy)
  }

  /// `MPI_Irecv`. The buffer must stay valid until the request completes.
  public func irecv<T: MPIElement>(into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int = 0)
    throws -> Request
  {
    precondition(source >= 0 && source < size, "irecv: rank \(source) out of 0..<\(size)")
    var request: MPI_Request?
    try check(
      MPI_Irecv(
        buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, Int32(source), Int32(tag), handle, &request),
      "MPI_Irecv")
    return Request(handle: request, call: "MPI_Irecv", policy: waitPolicy)
  }

  // MARK: Collectives

  public func broadcast<T: MPIElement>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int) throws {
    precondition(root >= 0 && root < size, "broadcast: root \(root) out of 0..<\(size)")
    try check(
      MPI_Bcast(buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, Int32(root), handle), "MPI_Bcast")
  }

  /// `MPI_Gather`: every rank sends `buffer`; on `root`, `result` receives size × count elements
  /// in rank order (ignored elsewhere).
  public func gather<T: MPIElement>(
    _ buffer: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>, root: Int
  ) throws {
    precondition(root >= 0 && root < size, "gather: root \(root) out of 0..<\(size)")
    if rank == root {
      precondition(result.count >= buffer.count * size, "gather: result holds \(result.count) < \(buffer.count * size)")
    }
    try check(
      MPI_Gather(
        buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, result.baseAddress,
        mpiCount(buffer.count), T.datatype.handle, Int32(root), handle),
      "MPI_Gather")
  }

  /// `MPI_Allgather`: `result` receives size × count elements in rank order on every rank.
  public func allgather<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>)
    throws
  {
    precondition(
      result.count >= buffer.count * size, "allgather: result holds \(result.count) < \(buffer.count * size)")
    try check(
      MPI_Allgather(
        buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, result.baseAddress,
        mpiCount(buffer.count), T.datatype.handle, handle),
      "MPI_Allgather")
  }

  /// `MPI_Reduce_scatter_block`: reduces `buffer` (size × blockCount elements) and leaves block
  /// `rank` in `result`.
  public func reduceScatter<T: MPIElement>(
    _ buffer: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum
  ) throws {
    precondition(
      buffer.count == result.count * size, "reduceScatter: \(buffer.count) elements is not \(size) × \(result.count)")
    try check(
      MPI_Reduce_scatter_block(
        buffer.baseAddress, result.baseAddress, mpiCount(result.count), T.datatype.handle, op.handle, handle),
      "MPI_Reduce_scatter_block")
  }

  /// `MPI_Reduce` to `root`; `result` is written on the root only.
  public func reduce<T: MPIElement>(
    _ buffer: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum, root: Int
  ) throws {
    precondition(root >= 0 && root < size, "reduce: root \(root) out of 0..<\(size)")
    if rank == root { precondition(result.count == buffer.count, "reduce: count mismatch") }
    try check(
      MPI_Reduce(
        buffer.baseAddress, result.baseAddress, mpiCount(buffer.count), T.datatype.handle, op.handle, Int32(root),
        handle),
      "MPI_Reduce")
  }

  /// The library's `MPI_Allreduce` from `buffer` into `result`.
  public func allreduce<T: MPIElement>(
    _ buffer: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum
  ) throws {
    precondition(buffer.count == result.count, "allreduce: \(buffer.count) elements into \(result.count)")
    try check(
      MPI_Allreduce(
        buffer.baseAddress, result.baseAddress, mpiCount(buffer.count), T.datatype.handle, op.handle, handle),
      "MPI_Allreduce")
  }

  /// The library's `MPI_Allreduce` with `MPI_IN_PLACE`.
  public func allreduce<T: MPIElement>(inPlace buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum) throws {
    if waitPolicy != .library { return try iallreduce(inPlace: buffer, op: op).wait() }
    try check(
      MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, op.handle, handle),
      "MPI_Allreduce")
  }

  /// `MPI_Allreduce` of `buffer` in place with `MPI_SUM`, every argument resolved now: a call
  /// returning MPI's error code, for the harness to time.
  func inPlaceSum<T: MPIElement>(_ buffer: UnsafeMutableBufferPointer<T>) -> () -> Int32 {
    let (inPlace, base, count) = (cmpi_in_place(), buffer.baseAddress, mpiCount(buffer.count))
    let (datatype, op, handle) = (T.datatype.handle, ReductionOp.sum.handle, handle)
    return { MPI_Allreduce(inPlace, base, count, datatype, op, handle) }
  }

  /// `MPI_Iallreduce` in place. The buffer must stay valid until the request completes.
  public func iallreduce<T: MPIElement>(inPlace buffer: UnsafeMutableBufferPointer<T>, op: ReductionOp = .sum) throws
    -> Request
  {
    var request: MPI_Request?
    try check(
      MPI_Iallreduce(
        cmpi_in_place(), buffer.baseAddress, mpiCount(buffer.count), T.datatype.handle, op.handle, handle, &request),
      "MPI_Iallreduce")
    return Request(handle: request, call: "MPI_Iallreduce", policy: waitPolicy)
  }
}

// MARK: Array conveniences

extension Communicator {
  /// Allreduces a value array and returns the result (for small control data such as timings).
  public func allreduce<T: MPIElement>(_ values: [T], op: ReductionOp = .sum) throws -> [T] {
    var result = values
    try result.withUnsafeMutableBufferPointer { try allreduce(inPlace: $0, op: op) }
    return result
  }

  /// Gathers each rank's values to `root`; returns size × count values there, `[]` elsewhere.
  public func gather<T: MPIElement>(_ values: [T], root: Int, padding: T) throws -> [T] {
    var result = [T](repeating: padding, count: rank == root ? values.count * size : 0)
    try values.withUnsafeBufferPointer { send in
      try result.withUnsafeMutableBufferPointer { try gather(send, into: $0, root: root) }
    }
    return result
  }

  /// Gathers one string per rank to `root` (two rounds: lengths, then padded bytes).
  public func gather(_ text: String, root: Int) throws -> [String] {
    let bytes = Array(text.utf8)
    let longest = try allreduce([Int64(bytes.count)], op: .max)[0]
    var padded = bytes + [UInt8](repeating: 0, count: Int(longest) - bytes.count)
    if padded.isEmpty { padded = [0] }
    let width = padded.count
    let all = try gather(padded, root: root, padding: 0)
    return stride(from: 0, to: all.count, by: width).map { start in
      let chunk = all[start..<start + width].prefix { $0 != 0 }
      return String(decoding: chunk, as: UTF8.self)
    }
  }
}

/// An MPI element count: preconditions that it fits the C `int` MPI takes.
@inline(__always)
func mpiCount(_ count: Int) -> Int32 {
  precondition(count <= Int(Int32.max), "MPI count \(count) exceeds INT_MAX")
  return Int32(count)
}
