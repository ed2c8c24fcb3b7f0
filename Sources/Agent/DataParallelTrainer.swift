import Collectives
import Kernels
import Measurements

/// Data-parallel training on one rank: the rank's network and optimizer, its gradients packed
/// into buckets in the order backward produces them, and each bucket's allreduce started on the
/// communication thread as soon as the bucket is full (overlap on and forward) or after backward
/// (off). Gradients are averaged (each rank weights its gradient by its share of the global
/// batch), so every rank applies the same update and the weights stay bitwise identical.
///
/// With `Overlap.forward` the step ends with its backward: the buckets still being reduced then
/// run beside the next step's forward, which waits, before each layer, only for that layer's
/// buckets and applies their update (each parameter's update depends on nothing else, so the
/// weights are bitwise those of the other modes). The buckets go by priority, the first layers'
/// first, since the next forward needs them first.
final class DataParallelTrainer {
  /// When the gradient allreduces run.
  typealias Overlap = OverlapMode

  let session: TrainingSession
  let plan: BucketPlan
  let overlap: Overlap
  private let allreducer: AsyncAllreducer
  /// This rank's share of the global batch: the factor its mean gradient is weighted by.
  private let share: Float
  private let gradients: [Tensor]
  private let tensorsOfLayer: [Int: [Int]]
  /// The buckets holding each layer's tensors.
  private let bucketsOfLayer: [Int: [Int]]
  private let buffers: [UnsafeMutableBufferPointer<Float>]
  private var missing: [Int] = []
  private var submitted = 0
  /// Under `Overlap.forward`, each bucket's allreduce not yet waited for and applied.
  private var unapplied: [AsyncAllreducer.Ticket?]
  /// Time spent in the current step waiting for the last step's buckets, and applying them.
  private var forwardWaitSeconds = 0.0
  private var forwardUpdateSeconds = 0.0
  /// The optimizer's time in the last training step (its update has nothing beside it).
  private(set) var lastOptimizerSeconds = 0.0

  /// Timings of one step in seconds.
  struct StepTimes {
    var forward = 0.0
    var backward = 0.0
    /// Time after backward spent waiting for allreduces: communication not hidden by compute.
    var exposedCommunication = 0.0
    /// Time the communication thread spent in allreduces, hidden or not.
    var allreduce = 0.0
    /// CPU time the communication thread used in them.
    var communicationCPU = 0.0
    var update = 0.0
    var loss: Float = 0
    var total: Double { forward + backward + exposedCommunication + update }

    /// The times as one vector, to sum over the ranks in one allreduce.
    var vector: [Double] {
      [forward, backward, exposedCommunication, allreduce, communicationCPU, update, Double(loss)]
    }

    init() {}

    /// The times of a `vector` (or of a sum or mean of several).
    init(vector: [Double]) {
      precondition(vector.count == 7, "StepTimes: a vector of 7 times")
      (forward, backward, exposedCommunication, allreduce) = (vector[0], vector[1], vector[2], vector[3])
      (communicationCPU, update, loss) = (vector[4], vector[5], Float(vector[6]))
    }
  }

  init(
    session: TrainingSession, communicator: Communicator, algorithm: any AllreduceAlgorithm, bucketBytes: Int,
    overlap: Overlap, share: Double, waitPolicy: WaitPolicy,
    communicationThreadStart: (@Sendable () throws -> Void)? = nil
  ) throws {
    self.session = session
    self.overlap = overlap
    self.share = Float(share)
    let order = session.network.gradientOrder
    gradients = order.map { $0.parameter.gradient! }
    let plan = session.network.bucketPlan(bucketBytes: bucketBytes)
    self.plan = plan
    tensorsOfLayer = Dictionary(grouping: order.indices, by: { order[$0].layerIndex })
    bucketsOfLayer = tensorsOfLayer.mapValues { tensors in
      Array(Set(tensors.map { plan.bucketOfTensor[$0] })).sorted()
    }
    unapplied = Array(repeating: nil, count: plan.buckets.count)
    buffers = plan.buckets.map { bucket in
      let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(bucket.count, 1))
      buffer.initialize(repeating: 0)
      return UnsafeMutableBufferPointer(rebasing: buffer[0..<bucket.count])
    }
    allreducer = try AsyncAllreducer(
      algorithm: algorithm, communicator: communicator, waitPolicy: waitPolicy,
      order: overlap == .forward ? .priority : .submission, threadStart: communicationThreadStart)
  }

  deinit {
    try? allreducer.close()
    for buffer in buffers { buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
  }

  func close() throws {
    try drain()
    try allreducer.close()
  }

  /// Waits for the buckets still being reduced and applies their update (under `Overlap.forward`;
  /// otherwise every step has applied its own): before reading the weights, or timing compute
  /// or communication alone.
  func drain() throws {
    for bucket in unapplied.indices { try apply(bucket: bucket) }
  }

  /// Whether every bucket reduced has been applied (always, but under `Overlap.forward` between a
  /// step and its `drain()`).
  private var isDrained: Bool { unapplied.allSatisfy { $0 == nil } }

  /// One training step on the loaded batch.
  func step() throws -> StepTimes {
    missing = plan.buckets.map(\.members.count)
    submitted = 0
    forwardWaitSeconds = 0
    forwardUpdateSeconds = 0
    var times = StepTimes()
    var waitError: (any Error)?
    var unpackSeconds = 0.0
    let timings: StepTimings
    if overlap == .forward {
      timings = session.step(
        beforeLayer: { [unowned self] layer in
          do { try self.applyBuckets(of: layer) } catch { waitError = waitError ?? error }
        },
        onGradientReady: { [unowned self] layer in self.gradientReady(layer: layer) },
        deferUpdate: true)
    } else {
      timings = session.step(
        onGradientReady: overlap == .on ? { [unowned self] layer in self.gradientReady(layer: layer) } : nil,
        beforeUpdate: { [unowned self] in
          if self.overlap == .off { for layer in self.tensorsOfLayer.keys { self.gradientReady(layer: layer) } }
          do { try self.allreducer.waitAll() } catch { waitError = error }
          let start = MonotonicClock.now()
          self.unpackAll()
          unpackSeconds = MonotonicClock.now() - start
        })
    }
    if let waitError { throw waitError }
    precondition(submitted == plan.buckets.count, "every bucket must be reduced each step")
    times.forward = timings.forwardSeconds - forwardWaitSeconds - forwardUpdateSeconds
    times.backward = timings.backwardSeconds
    times.exposedCommunication = timings.waitSeconds - unpackSeconds + forwardWaitSeconds
    times.update = timings.updateSeconds + unpackSeconds + forwardUpdateSeconds
    lastOptimizerSeconds = overlap == .forward ? forwardUpdateSeconds : timings.updateSeconds
    let activity = allreducer.takeActivity()
    times.allreduce = activity.seconds
    times.communicationCPU = activity.cpuSeconds
    times.loss = timings.loss
    return times
  }

  /// The step's compute alone, with no communication at all: forward and backward on the loaded
  /// batch, plus the optimizer's time in the last training step. The update itself is not applied
  /// again, so that a measurement between training steps leaves the weights (and every rank's
  /// agreement) as they were.
  func computeOnlyStep() -> Double {
    precondition(isDrained, "drain() before timing compute alone")
    return session.step(update: false).totalSeconds + lastOptimizerSeconds
  }

  /// The step's bucket allreduces with no compute: its communication alone.
  func communicationOnlyStep() throws -> Double {
    precondition(isDrained, "drain() before timing communication alone")
    let start = MonotonicClock.now()
    for buffer in buffers { allreducer.submit(buffer) }
    try allreducer.waitAll()
    _ = allreducer.takeActivity()
    return MonotonicClock.now() - start
  }

  /// Marks a layer's gradients final; packs and submits every bucket that is now complete,
  /// strictly in bucket order so that all ranks issue the same collectives in the same order.
  /// A later bucket holds earlier layers, which the next forward needs first: its priority.
  private func gradientReady(layer: Int) {
    guard let tensors = tensorsOfLayer[layer] else { return }
    for tensor in tensors { missing[plan.bucketOfTensor[tensor]] -= 1 }
    while submitted < plan.buckets.count && missing[submitted] == 0 {
      pack(bucket: submitted)
      let ticket = allreducer.submit(buffers[submitted], priority: submitted)
      if overlap == .forward { unapplied[submitted] = ticket }
      submitted += 1
    }
  }

  /// Before `layer`'s forward: waits for its buckets of the last step and applies them.
  private func applyBuckets(of layer: Int) throws {
    for bucket in bucketsOfLayer[layer] ?? [] { try apply(bucket: bucket) }
  }

  /// Waits for the bucket's allreduce, if it has not been applied, then copies the averaged
  /// gradients back and updates the bucket's parameters.
  private func apply(bucket index: Int) throws {
    guard let ticket = unapplied[index] else { return }
    unapplied[index] = nil
    let start = MonotonicClock.now()
    try allreducer.wait(ticket)
    let reduced = MonotonicClock.now()
    unpack(bucket: index)
    session.optimizer.update(parameters: plan.buckets[index].members)
    forwardWaitSeconds += reduced - start
    forwardUpdateSeconds += MonotonicClock.now() - reduced
  }

  /// Copies the bucket's gradients into its buffer, weighted by this rank's share.
  private func pack(bucket index: Int) {
    let bucket = plan.buckets[index]
    let target = buffers[index].baseAddress!
    for (member, offset) in zip(bucket.members, bucket.offsets) {
      let gradient = gradients[member]
      let source = gradient.pointer
      let destination = target + offset
      for element in 0..<gradient.count { destination[element] = source[element] * share }
    }
  }

  /// Copies the averaged gradients back for the update.
  private func unpackAll() {
    for index in plan.buckets.indices { unpack(bucket: index) }
  }

  private func unpack(bucket index: Int) {
    let source = buffers[index].baseAddress!
    for (member, offset) in zip(plan.buckets[index].members, plan.buckets[index].offsets) {
      gradients[member].pointer.update(from: source + offset, count: gradients[member].count)
    }
  }
}
