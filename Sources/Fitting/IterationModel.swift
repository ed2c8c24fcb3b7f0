/// One data-parallel training step, T(P) = compute(batch per rank) + exposed communication +
/// update (DESIGN.md "Models the coordinator fits").
///
/// The gradient (trainable parameters × 4 bytes) is split into buckets of `bucketBytes` (the
/// last one smaller). Backward produces them in reverse layer order: bucket i is ready at the
/// fraction of the backward time the model's `BackwardProfile` gives, or, without a profile,
/// at (i+1)/k of it (spread evenly). Allreduces run one at a time, each starting when its
/// bucket is ready and the previous allreduce is done; what runs past the end of backward is
/// exposed — at least the last bucket's whole allreduce.
///
/// With `interference` κ (`CommunicationInterference`), the communication hidden behind
/// backward h slows it by κh: backward is stretched by that much (its buckets become ready
/// later) and the step grows by κh plus the change in exposure.
public struct IterationModel: Sendable {
  public var computeMs: Double
  /// The part of `computeMs` that is backward (overlappable).
  public var backwardMs: Double
  public var updateMs: Double
  public var gradientBytes: Int
  public var bucketBytes: Int
  /// Seconds to allreduce one bucket of the given size at this rank count.
  public var allreduceSeconds: @Sendable (Int) -> Double
  public var ranks: Int
  /// When each bucket is complete, as a fraction of backward; nil spreads them evenly.
  public var profile: BackwardProfile?
  /// κ: compute milliseconds added per millisecond of communication hidden behind backward.
  public var interference = 0.0

  public init(
    computeMs: Double, backwardMs: Double, updateMs: Double, gradientBytes: Int, bucketBytes: Int,
    ranks: Int, allreduceSeconds: @escaping @Sendable (Int) -> Double
  ) {
    precondition(bucketBytes > 0, "bucket size must be positive")
    self.computeMs = computeMs
    self.backwardMs = backwardMs
    self.updateMs = updateMs
    self.gradientBytes = gradientBytes
    self.bucketBytes = bucketBytes
    self.ranks = ranks
    self.allreduceSeconds = allreduceSeconds
  }

  /// The bucket sizes in the order backward produces them.
  public var buckets: [Int] {
    guard gradientBytes > 0 else { return [] }
    let full = gradientBytes / bucketBytes
    let rest = gradientBytes % bucketBytes
    return Array(repeating: bucketBytes, count: full) + (rest > 0 ? [rest] : [])
  }

  /// Total allreduce time of all buckets, milliseconds.
  public var allreduceMs: Double { breakdown.allreduceMs }

  /// The schedule's outcome, milliseconds: all the bucket allreduces, the compute they add
  /// (κh), the part not hidden behind the stretched backward, and the whole step.
  public struct Breakdown: Sendable, Equatable {
    public var allreduceMs: Double
    public var interferenceMs: Double
    public var exposedCommunicationMs: Double
    public var stepMs: Double
  }

  /// The bucket schedule worked out once (each bucket's allreduce priced once).
  public var breakdown: Breakdown {
    let sizes = ranks > 1 ? buckets : []
    let durations = sizes.map { allreduceSeconds($0) * 1e3 }
    let fractions =
      profile?.readyFractions(bucketSizes: sizes) ?? sizes.indices.map { Double($0 + 1) / Double(sizes.count) }
    /// The allreduce time that runs past the end of a backward of `backward` milliseconds.
    func exposure(backward: Double) -> Double {
      var networkFree = 0.0
      for (fraction, duration) in zip(fractions, durations) {
        networkFree = max(backward * fraction, networkFree) + duration
      }
      return max(networkFree - backward, 0)
    }
    let allreduce = durations.reduce(0, +)
    let added = interference > 0 ? interference * max(allreduce - exposure(backward: backwardMs), 0) : 0
    let exposed = exposure(backward: backwardMs + added)
    return Breakdown(
      allreduceMs: allreduce, interferenceMs: added, exposedCommunicationMs: exposed,
      stepMs: computeMs + added + exposed + updateMs)
  }

  /// The compute added by the communication hidden behind backward (κh), milliseconds.
  public var interferenceMs: Double { breakdown.interferenceMs }

  /// The allreduce time not hidden behind (the stretched) backward, milliseconds.
  public var exposedCommunicationMs: Double { breakdown.exposedCommunicationMs }

  public var stepMs: Double { breakdown.stepMs }
}
