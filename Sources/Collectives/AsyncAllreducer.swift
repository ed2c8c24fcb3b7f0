import CMPI
import Foundation

/// Allreduces buckets of gradients on a communication thread while the caller goes on with
/// backward: `submit` enqueues a bucket and returns at once, `wait` blocks until it is summed.
///
/// The communication thread is the only thread that calls MPI on the allreducer's behalf, and
/// it runs the buckets one at a time, so every rank runs the same collectives in the same order:
/// in submission order (`Order.submission`), or, by `Order.priority`, the bucket of highest
/// priority that every rank has submitted, which the ranks agree on in a small allreduce before
/// each bucket, as Horovod's coordinator agrees on the tensors ready everywhere. The contract that
/// makes this correct:
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
/// - Every rank submits the same buckets in the same order (with the same priorities).
public final class AsyncAllreducer {
  /// The order in which the communication thread runs the submitted buckets.
  public enum Order: Sendable {
    /// First submitted, first reduced.
    case submission
    /// Among the buckets every rank has submitted, the one of highest priority first (the
    /// earliest submitted among equals): a bucket the next forward needs first can overtake
    /// buckets submitted before it, as P3 and ByteScheduler schedule parameters.
    case priority
  }

  /// A submitted bucket, to wait for.
  public struct Ticket: Hashable, Sendable {
    fileprivate let index: Int
  }

  private let state: AsyncAllreducerState
  private var nextTicket = 0
  private var closed = false

  /// Starts the communication thread for `algorithm` on a duplicate of `communicator`, which
  /// waits for its operations as `waitPolicy` says (polling with sleeps leaves the cores to
  /// compute; see `WaitPolicy`). The thread first runs `threadStart` (e.g. to join a CPU
  /// reservation of its own); if that throws, the thread ends and so does `init`, with its error.
  public init(
    algorithm: any AllreduceAlgorithm, communicator: Communicator, waitPolicy: WaitPolicy = .library,
    order: Order = .submission, threadStart: (@Sendable () throws -> Void)? = nil
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
    state = AsyncAllreducerState(algorithm: algorithm, communicator: duplicate, order: order)
    let started = DispatchSemaphore(value: 0)
    let startFailure = StartFailure()
    let thread = Thread { [state] in
      // Linux keeps 15 characters of a thread's name and refuses a longer one; Foundation names
      // the OS thread only when the name is set on the thread itself. "dlscale-comm" is what
      // `top -H`, `ps -L` and perf show for it.
      Thread.current.name = "dlscale-comm"
      do { try threadStart?() } catch { startFailure.error = error }
      let failed = startFailure.error != nil
      started.signal()
      if failed { state.finishWithoutServing() } else { state.serve() }
    }
    thread.start()
    started.wait()
    if let error = startFailure.error {
      closed = true
      state.stop()
      throw error
    }
  }

  /// The error of a thread start, written by the thread before it signals and read after.
  /// `@unchecked Sendable`: the semaphore orders the write before the read.
  private final class StartFailure: @unchecked Sendable {
    var error: (any Error)?
  }

  /// The algorithm's name.
  public var algorithmName: String { state.algorithmName }

  /// Enqueues an in-place sum of `buffer` across the ranks and returns without waiting. The
  /// buffer must stay valid and untouched until the ticket is waited for. `priority` orders the
  /// buckets under `Order.priority` (higher first) and is ignored otherwise.
  @discardableResult
  public func submit<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, priority: Int = 0) -> Ticket {
    submit([buffer], priorities: [priority])[0]
  }

  /// Enqueues several buckets at once, as `submit` does one by one, except that the
  /// communication thread sees them all together: under `Order.priority` the first to run is the
  /// one of highest priority among them.
  public func submit<T: MPIFloatingPoint>(_ buffers: [UnsafeMutableBufferPointer<T>], priorities: [Int]) -> [Ticket] {
    precondition(!closed, "AsyncAllreducer: submit after close")
    precondition(buffers.count == priorities.count, "AsyncAllreducer: one priority per buffer")
    let tickets = buffers.indices.map { Ticket(index: nextTicket + $0) }
    nextTicket += buffers.count
    state.enqueue(
      zip(buffers, priorities).map { buffer, priority in
        (priority, { algorithm, communicator in try algorithm.allreduce(buffer, on: communicator) })
      })
    return tickets
  }

  /// Blocks until the bucket of `ticket` is summed (under `Order.submission`, every bucket
  /// submitted before it is too); rethrows the first failure.
  public func wait(_ ticket: Ticket) throws {
    try state.wait(for: ticket.index)
  }

  /// Blocks until every submitted bucket is summed; rethrows the first failure.
  public func waitAll() throws {
    try state.waitAll(count: nextTicket)
  }

  /// What the communication thread did since the last call, and resets it: the buckets it
  /// started, in order, and the time it spent running them.
  public func takeActivity() -> Activity { state.takeActivity() }

  /// The communication thread's work over a span.
  public struct Activity: Sendable, Equatable {
    /// Wall time running buckets: the allreduce time, overlapped or not.
    public var seconds = 0.0
    /// Its own CPU time meanwhile (MPI's progress, the kernel's socket work done in its name, the
    /// sums), which a host whose cores are all busy computing takes from compute.
    public var cpuSeconds = 0.0
    /// The buckets started, in the order they started (every rank's is the same).
    public var startOrder: [Ticket] = []
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

  /// A submitted bucket not yet started.
  private struct Pending {
    var index: Int
    var priority: Int
    var job: Job
  }

  private let condition = NSCondition()
  private var algorithm: (any AllreduceAlgorithm)?
  private var communicator: Communicator?
  let algorithmName: String
  private let order: AsyncAllreducer.Order
  /// Unstarted buckets, in submission order.
  private var pending: [Pending] = []
  private var submitted = 0
  /// Every bucket below this index is done; `doneAbove` holds the done ones above it.
  private var doneBelow = 0
  private var doneAbove = Set<Int>()
  private var failure: (any Error)?
  private var stopping = false
  private var finished = false
  private var activity = AsyncAllreducer.Activity()

  init(algorithm: any AllreduceAlgorithm, communicator: Communicator, order: AsyncAllreducer.Order) {
    self.algorithm = algorithm
    self.communicator = communicator
    self.order = order
    algorithmName = algorithm.name
  }

  func enqueue(_ jobs: [(priority: Int, job: Job)]) {
    condition.lock()
    for (priority, job) in jobs {
      pending.append(Pending(index: submitted, priority: priority, job: job))
      submitted += 1
    }
    condition.broadcast()
    condition.unlock()
  }

  func takeActivity() -> AsyncAllreducer.Activity {
    condition.lock()
    defer { condition.unlock() }
    let taken = activity
    activity = AsyncAllreducer.Activity()
    return taken
  }

  private func isDone(_ index: Int) -> Bool { index < doneBelow || doneAbove.contains(index) }

  func wait(for index: Int) throws {
    condition.lock()
    defer { condition.unlock() }
    while !isDone(index) && !finished { condition.wait() }
    if let failure { throw failure }
  }

  func waitAll(count: Int) throws {
    condition.lock()
    defer { condition.unlock() }
    while doneBelow < count && !finished { condition.wait() }
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

  /// The position in `pending` of the bucket to run next, agreed by every rank under
  /// `Order.priority`. Called with the lock held and `pending` not empty; drops the lock while it
  /// agrees. Every rank submits the same buckets in the same order and has run the same ones, so
  /// the buckets below the smallest submitted count are pending on every rank alike, and the
  /// count agreed is above the first pending index of the rank that submitted the fewest.
  private func nextPosition(on communicator: Communicator) throws -> Int {
    guard order == .priority else { return 0 }
    var agreed = [Int64(submitted)]
    condition.unlock()
    let agreement = Result {
      try agreed.withUnsafeMutableBufferPointer { try communicator.iallreduce(inPlace: $0, op: .min).wait() }
    }
    condition.lock()
    try agreement.get()
    var best = 0
    for (position, bucket) in pending.enumerated() where bucket.index < Int(agreed[0]) {
      if bucket.priority > pending[best].priority { best = position }
    }
    return best
  }

  /// Ends the communication thread before it serves anything (its start failed).
  func finishWithoutServing() {
    condition.lock()
    finished = true
    condition.broadcast()
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
        while pending.isEmpty && !stopping { condition.wait() }
        if pending.isEmpty { break }
        var error: (any Error)?
        let start = MPI.wtime()
        let cpuStart = threadCPUSeconds()
        var position = 0
        if failure == nil {
          do { position = try nextPosition(on: communicator) } catch let thrown { error = thrown }
        }
        let bucket = pending.remove(at: position)
        activity.startOrder.append(AsyncAllreducer.Ticket(index: bucket.index))
        let failed = failure != nil || error != nil
        condition.unlock()
        if !failed {
          do { try bucket.job(algorithm, communicator) } catch let thrown { error = thrown }
        }
        let cpu = threadCPUSeconds() - cpuStart
        let elapsed = MPI.wtime() - start
        condition.lock()
        activity.seconds += elapsed
        activity.cpuSeconds += cpu
        if let error, failure == nil { failure = error }
        doneAbove.insert(bucket.index)
        while doneAbove.remove(doneBelow) != nil { doneBelow += 1 }
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
