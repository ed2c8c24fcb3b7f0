import Kernels
import Measurements

/// One data-parallel training step, T(P) = compute(batch per rank) + exposed communication +
/// update (docs/ARCHITECTURE.md, "Models").
///
/// The gradient goes into the buckets the agent makes: `BucketPlan` packs the model's gradient
/// tensors, last layer first, until a bucket holds at least the bucket size (`init(spec:…)`).
/// Backward produces them in that order: bucket i is ready at the
/// fraction of the backward time the model's `BackwardProfile` gives, or, without a profile,
/// at (i+1)/k of it (spread evenly). Allreduces run one at a time, each starting when its
/// bucket is ready and the previous allreduce is done; what runs past the end of backward is
/// exposed — at least the last bucket's whole allreduce.
///
/// With `interference` κ (`CommunicationInterference`), the communication hidden behind
/// backward h slows it by κh: backward is stretched by that much (its buckets become ready
/// later) and the step grows by κh plus the change in exposure.
///
/// `overlap` follows the agent's `--overlap`: `.off` exposes every allreduce; `.forward` lets
/// the allreduces left when backward ends run beside the next step's forward, by priority (see
/// `Overlap.forward`), so what is exposed is the time that forward waits for them.
public struct IterationModel: Sendable {
  /// When the bucket allreduces run (the agent's `--overlap`). Under `.forward` the model runs
  /// the latest bucket submitted whenever the network is free, whole (a bucket on the wire is
  /// not preempted); the step ends with its backward, and the next forward waits, before each
  /// layer, for the buckets holding part of it, then applies their share of the update.
  public typealias Overlap = OverlapMode

  public var computeMs: Double
  /// The part of `computeMs` that is backward (overlappable).
  public var backwardMs: Double
  public var updateMs: Double
  /// Each bucket's bytes, in the order backward fills them (`BucketPlan.bucketBytes()`).
  public var buckets: [Int]
  /// Seconds to allreduce one bucket of the given size at this rank count.
  public var allreduceSeconds: @Sendable (Int) -> Double
  public var ranks: Int
  /// When each bucket is complete, as a fraction of backward; nil spreads them evenly.
  public var profile: BackwardProfile?
  /// κ: compute milliseconds added per millisecond of communication hidden (behind backward,
  /// or under `.forward` behind forward and backward).
  public var interference = 0.0
  public var overlap = Overlap.on

  /// A step whose gradient goes into buckets of `buckets` bytes, in the order backward fills
  /// them.
  public init(
    computeMs: Double, backwardMs: Double, updateMs: Double, buckets: [Int], ranks: Int,
    allreduceSeconds: @escaping @Sendable (Int) -> Double
  ) {
    precondition(buckets.allSatisfy { $0 >= 0 }, "bucket sizes must not be negative")
    self.computeMs = computeMs
    self.backwardMs = backwardMs
    self.updateMs = updateMs
    self.buckets = buckets
    self.ranks = ranks
    self.allreduceSeconds = allreduceSeconds
  }

  /// The buckets the agent makes for `spec`'s gradient with `bucketBytes` buckets: `BucketPlan`
  /// over the model's gradient tensors in backward order (`ModelSpec.gradientTensorCounts`).
  public static func bucketPlan(spec: ModelSpec, bucketBytes: Int) throws -> BucketPlan {
    BucketPlan(elementCounts: try spec.gradientTensorCounts(), bucketBytes: bucketBytes)
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
    let allreduce = durations.reduce(0, +)
    let forwardMs = computeMs - backwardMs
    let fractions =
      profile?.readyFractions(bucketSizes: sizes) ?? sizes.indices.map { Double($0 + 1) / Double(sizes.count) }
    /// The exposed time when forward and backward take `forward` and `backward` milliseconds.
    let exposure: (_ forward: Double, _ backward: Double) -> Double
    switch overlap {
    case .off:
      return Breakdown(
        allreduceMs: allreduce, interferenceMs: 0, exposedCommunicationMs: allreduce,
        stepMs: computeMs + allreduce + updateMs)
    case .on:
      exposure = { _, backward in
        // The allreduce time that runs past the end of backward.
        var networkFree = 0.0
        for (fraction, duration) in zip(fractions, durations) {
          networkFree = max(backward * fraction, networkFree) + duration
        }
        return max(networkFree - backward, 0)
      }
    case .forward:
      let gates =
        profile?.forwardGateFractions(bucketSizes: sizes)
        ?? sizes.indices.map { 1 - Double($0 + 1) / Double(sizes.count) }
      let gradient = Double(sizes.reduce(0, +))
      let updates = sizes.map { gradient > 0 ? updateMs * Double($0) / gradient : 0 }
      exposure = { forward, backward in
        Self.forwardWaits(
          ready: fractions.map { $0 * backward }, durations: durations, gates: gates.map { backward + $0 * forward },
          updates: updates)
      }
    }
    // Hidden communication slows compute by κ per millisecond: the window it hides behind is
    // stretched by that much, which moves the buckets' ready times and gates.
    let added = interference > 0 ? interference * max(allreduce - exposure(forwardMs, backwardMs), 0) : 0
    let exposed: Double
    switch overlap {
    case .forward:
      let stretch = computeMs > 0 ? 1 + added / computeMs : 1
      exposed = exposure(forwardMs * stretch, backwardMs * stretch)
    default: exposed = exposure(forwardMs, backwardMs + added)
    }
    return Breakdown(
      allreduceMs: allreduce, interferenceMs: added, exposedCommunicationMs: exposed,
      stepMs: computeMs + added + exposed + updateMs)
  }

  /// Under `Overlap.forward`, milliseconds the next forward waits for the buckets, with every
  /// time counted from the start of backward. Bucket i is submitted at `ready[i]` (in
  /// submission order) and takes `durations[i]`; whenever the network is free the latest
  /// bucket submitted runs, whole. The next forward reaches bucket i's first layer at
  /// `gates[i]` plus the waits and updates before it, waits until the bucket is reduced, then
  /// applies its update (`updates[i]`).
  static func forwardWaits(ready: [Double], durations: [Double], gates: [Double], updates: [Double]) -> Double {
    var finish = [Double](repeating: 0, count: ready.count)
    var pending: [Int] = []
    var next = 0
    var networkFree = 0.0
    while next < ready.count || !pending.isEmpty {
      while next < ready.count && ready[next] <= networkFree {
        pending.append(next)
        next += 1
      }
      guard let latest = pending.popLast() else {
        networkFree = ready[next]
        continue
      }
      networkFree += durations[latest]
      finish[latest] = networkFree
    }
    // Forward meets the gates in layer order; a later bucket holds earlier layers.
    let order = ready.indices.sorted { (gates[$0], -$0) < (gates[$1], -$1) }
    var delay = 0.0
    var waited = 0.0
    for bucket in order {
      let wait = max(finish[bucket] - (gates[bucket] + delay), 0)
      waited += wait
      delay += wait + updates[bucket]
    }
    return waited
  }

  /// The compute added by the communication hidden behind backward (κh), milliseconds.
  public var interferenceMs: Double { breakdown.interferenceMs }

  /// The allreduce time not hidden behind (the stretched) backward, milliseconds.
  public var exposedCommunicationMs: Double { breakdown.exposedCommunicationMs }

  public var stepMs: Double { breakdown.stepMs }
}
