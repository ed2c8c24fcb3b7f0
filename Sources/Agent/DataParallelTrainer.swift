import Collectives
import Kernels

/// Data-parallel training on one rank: the rank's network and optimizer, its gradients packed
/// into buckets in the order backward produces them, and each bucket's allreduce started on the
/// communication thread as soon as the bucket is full (overlap on) or after backward (off).
/// Gradients are averaged (each rank weights its gradient by its share of the global batch),
/// so every rank applies the same update and the weights stay bitwise identical.
final class DataParallelTrainer {
  let session: TrainingSession
  let plan: BucketPlan
  let overlap: Bool
  private let allreducer: AsyncAllreducer
  /// This rank's share of the global batch: the factor its mean gradient is weighted by.
  private let share: Float
  private let gradients: [Tensor]
  private let tensorsOfLayer: [Int: [Int]]
  private let buffers: [UnsafeMutableBufferPointer<Float>]
  private var missing: [Int] = []
  private var submitted = 0
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
    overlap: Bool, share: Double, waitPolicy: WaitPolicy
  ) throws {
    self.session = session
    self.overlap = overlap
    self.share = Float(share)
    let order = session.network.gradientOrder
    gradients = order.map { $0.parameter.gradient! }
    plan = BucketPlan(elementCounts: gradients.map(\.count), bucketBytes: bucketBytes)
    tensorsOfLayer = Dictionary(grouping: order.indices, by: { order[$0].layerIndex })
    buffers = plan.buckets.map { bucket in
      let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(bucket.count, 1))
      buffer.initialize(repeating: 0)
      return UnsafeMutableBufferPointer(rebasing: buffer[0..<bucket.count])
    }
    allreducer = try AsyncAllreducer(algorithm: algorithm, communicator: communicator, waitPolicy: waitPolicy)
  }

  deinit {
    try? allreducer.close()
    for buffer in buffers { buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } }
  }

  func close() throws { try allreducer.close() }

  /// One training step on the loaded batch.
  func step() throws -> StepTimes {
    missing = plan.buckets.map(\.members.count)
    submitted = 0
    var times = StepTimes()
    var waitError: (any Error)?
    var unpackSeconds = 0.0
    let timings = session.step(
      onGradientReady: overlap ? { [unowned self] layer in self.gradientReady(layer: layer) } : nil,
      beforeUpdate: { [unowned self] in
        if !self.overlap { for layer in self.tensorsOfLayer.keys { self.gradientReady(layer: layer) } }
        do { try self.allreducer.waitAll() } catch { waitError = error }
        let start = MonotonicClock.now()
        self.unpack()
        unpackSeconds = MonotonicClock.now() - start
      })
    if let waitError { throw waitError }
    precondition(submitted == plan.buckets.count, "every bucket must be reduced each step")
    lastOptimizerSeconds = timings.updateSeconds
    times.forward = timings.forwardSeconds
    times.backward = timings.backwardSeconds
    times.exposedCommunication = timings.waitSeconds - unpackSeconds
    times.update = timings.updateSeconds + unpackSeconds
    let busy = allreducer.takeBusyTime()
    times.allreduce = busy.seconds
    times.communicationCPU = busy.cpuSeconds
    times.loss = timings.loss
    return times
  }

  /// The step's compute alone, with no communication at all: forward and backward on the loaded
  /// batch, plus the optimizer's time in the last training step. The update itself is not applied
  /// again, so that a measurement between training steps leaves the weights (and every rank's
  /// agreement) as they were.
  func computeOnlyStep() -> Double {
    session.step(update: false).totalSeconds + lastOptimizerSeconds
  }

  /// The step's bucket allreduces with no compute: its communication alone.
  func communicationOnlyStep() throws -> Double {
    let start = MonotonicClock.now()
    for buffer in buffers { allreducer.submit(buffer) }
    try allreducer.waitAll()
    _ = allreducer.takeBusyTime()
    return MonotonicClock.now() - start
  }

  /// Marks a layer's gradients final; packs and submits every bucket that is now complete,
  /// strictly in bucket order so that all ranks issue the same collectives in the same order.
  private func gradientReady(layer: Int) {
    guard let tensors = tensorsOfLayer[layer] else { return }
    for tensor in tensors { missing[plan.bucketOfTensor[tensor]] -= 1 }
    while submitted < plan.buckets.count && missing[submitted] == 0 {
      pack(bucket: submitted)
      allreducer.submit(buffers[submitted])
      submitted += 1
    }
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
  private func unpack() {
    for (index, bucket) in plan.buckets.enumerated() {
      let source = buffers[index].baseAddress!
      for (member, offset) in zip(bucket.members, bucket.offsets) {
        gradients[member].pointer.update(from: source + offset, count: gradients[member].count)
      }
    }
  }
}
