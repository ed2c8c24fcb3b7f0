import CMPI
import Foundation

/// Allreduces buckets of gradients on a communication thread while the caller goes on with
/// backward: `submit` enqueues a bucket and returns at once, `wait` blocks until it is summed.
///
/// The communication thread is the only thread that calls MPI on the allreducer's behalf, and
/// it runs the buckets one at a time in submission order, so every rank runs the same
/// collectives in the same order. The contract that makes this correct:
/// - MPI provides at least `MPI_THREAD_SERIALIZED` (checked at initialisation).
/// - At initialisation the allreducer duplicates the communicator (collectively: every rank
///   creates its allreducers in the same order). The duplicate and the algorithm instance are
///   handed to the communication thread and used by no other thread until `close()` takes them
///   back, after the thread has ended.
/// - While any bucket is pending (between `submit` and the `wait` or `waitAll` that returns its
///   completion), the caller makes no MPI call of its own under `SERIALIZED`; under `MULTIPLE`
///   it may call MPI on other communicators. The condition variable's lock orders every MPI
///   call of the communication thread before the return of the `wait` that reports it.
/// - A submitted buffer stays valid and untouched by the caller until its bucket is waited for.
public final class AsyncAllreducer {
  /// A submitted bucket, to wait for.
  public struct Ticket: Hashable, Sendable {
    fileprivate let index: Int
  }

  private let state: AsyncAllreducerState
  private var nextTicket = 0
  private var closed = false

  /// Starts the communication thread for `algorithm` on a duplicate of `communicator`, which
  /// waits for its operations as `waitPolicy` says (polling with sleeps leaves the cores to
  /// compute; see `WaitPolicy`).
  public init(
    algorithm: any AllreduceAlgorithm, communicator: Communicator, waitPolicy: WaitPolicy = .library
  ) throws {
    var provided: Int32 = 0
    try check(MPI_Query_thread(&provided), "MPI_Query_thread")
    let level = MPI.ThreadLevel(raw: provided)
    guard level >= .serialized else {
      throw MPIError(
        call: "AsyncAllreducer", code: -1,
        message: "needs MPI initialised at SERIALIZED or MULTIPLE, it provides \(level)")
    }
    let duplicate = try communicator.split(color: 0, key: communicator.rank)
    duplicate.waitPolicy = waitPolicy
    state = AsyncAllreducerState(algorithm: algorithm, communicator: duplicate)
    let thread = Thread { [state] in state.serve() }
    thread.name = "dlscale-allreduce"
    thread.start()
  }

  /// The algorithm's name.
  public var algorithmName: String { state.algorithmName }

  /// Enqueues an in-place sum of `buffer` across the ranks and returns without waiting. The
  /// buffer must stay valid and untouched until the ticket is waited for.
  @discardableResult
  public func submit<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>) -> Ticket {
    precondition(!closed, "AsyncAllreducer: submit after close")
    let ticket = Ticket(index: nextTicket)
    nextTicket += 1
    state.enqueue { algorithm, communicator in try algorithm.allreduce(buffer, on: communicator) }
    return ticket
  }

  /// Blocks until the bucket of `ticket` (and every bucket submitted before it) is summed;
  /// rethrows the first failure among them.
  public func wait(_ ticket: Ticket) throws {
    try state.wait(through: ticket.index)
  }

  /// Blocks until every submitted bucket is summed; rethrows the first failure.
  public func waitAll() throws {
    try state.wait(through: nextTicket - 1)
  }

  /// What the communication thread spent running buckets since the last call, and resets the
  /// count: `seconds` of wall time (the allreduce time, overlapped or not) and `cpuSeconds` of
  /// its own CPU time (MPI's progress, the kernel's socket work done in its name, the sums), which
  /// a host whose cores are all busy computing takes from compute.
  public func takeBusyTime() -> BusyTime { state.takeBusyTime() }

  /// Time the communication thread spent running buckets.
  public struct BusyTime: Sendable, Equatable {
    public var seconds = 0.0
    public var cpuSeconds = 0.0
  }

  /// Waits for every bucket, ends the communication thread and frees the duplicate
  /// communicator on the caller's thread. Idempotent.
  public func close() throws {
    guard !closed else { return }
    closed = true
    defer { state.stop() }
    try waitAll()
  }

  deinit {
    if !closed {
      closed = true
      state.stop()
    }
  }
}

/// The state shared by the caller and the communication thread.
///
/// `@unchecked Sendable`: every stored property is read and written only while holding
/// `condition`'s lock, except `algorithm` and `communicator`, which only the communication
/// thread touches between `init` and the end of `serve()`, and only the caller after `stop()`
/// has seen `finished` (the lock orders the two). Jobs capture raw buffer pointers whose
/// validity the `AsyncAllreducer` contract guarantees.
private final class AsyncAllreducerState: @unchecked Sendable {
  typealias Job = (any AllreduceAlgorithm, Communicator) throws -> Void

  private let condition = NSCondition()
  private var algorithm: (any AllreduceAlgorithm)?
  private var communicator: Communicator?
  let algorithmName: String
  private var queue: [Job] = []
  private var queueHead = 0
  private var completed = 0
  private var failure: (any Error)?
  private var stopping = false
  private var finished = false
  private var busy = AsyncAllreducer.BusyTime()

  init(algorithm: any AllreduceAlgorithm, communicator: Communicator) {
    self.algorithm = algorithm
    self.communicator = communicator
    algorithmName = algorithm.name
  }

  func enqueue(_ job: @escaping Job) {
    condition.lock()
    queue.append(job)
    condition.broadcast()
    condition.unlock()
  }

  func takeBusyTime() -> AsyncAllreducer.BusyTime {
    condition.lock()
    defer { condition.unlock() }
    let taken = busy
    busy = AsyncAllreducer.BusyTime()
    return taken
  }

  func wait(through index: Int) throws {
    condition.lock()
    defer { condition.unlock() }
    while completed <= index && !finished { condition.wait() }
    if let failure { throw failure }
  }

  /// Asks the thread to end after the queued jobs, waits until it has, and releases the
  /// communicator and algorithm on the calling thread.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    while !finished { condition.wait() }
    communicator = nil
    algorithm = nil
    condition.unlock()
  }

  /// The communication thread's loop.
  func serve() {
    condition.lock()
    // The algorithm and communicator are held only inside this scope, so that the thread has
    // dropped them before it reports `finished` and `stop()` releases them on the caller's thread.
    do {
      let algorithm = self.algorithm!
      let communicator = self.communicator!
      while true {
        while queueHead == queue.count && !stopping { condition.wait() }
        if queueHead == queue.count { break }
        let job = queue[queueHead]
        queueHead += 1
        let failed = failure != nil
        condition.unlock()
        var error: (any Error)?
        let start = MPI.wtime()
        let cpuStart = threadCPUSeconds()
        if !failed {
          do { try job(algorithm, communicator) } catch let thrown { error = thrown }
        }
        let cpu = threadCPUSeconds() - cpuStart
        let elapsed = MPI.wtime() - start
        condition.lock()
        busy.seconds += elapsed
        busy.cpuSeconds += cpu
        if let error, failure == nil { failure = error }
        completed += 1
        if queueHead == queue.count {
          queue.removeAll(keepingCapacity: true)
          queueHead = 0
        }
        condition.broadcast()
      }
    }
    finished = true
    condition.broadcast()
    condition.unlock()
  }
}

/// The calling thread's CPU time in seconds.
private func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
