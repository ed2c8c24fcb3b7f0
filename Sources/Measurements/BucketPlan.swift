/// Gradient tensors grouped into allreduce buckets, in the order backward produces them (last
/// layer first), as PyTorch DDP and Horovod's tensor fusion do: tensors join the current bucket
/// until it holds at least `bucketBytes`, then a new bucket starts. A tensor larger than the cap
/// is a bucket of its own. Each bucket is reduced as one contiguous buffer, so its allreduce can
/// start as soon as its last member's gradient is final. The agent packs its gradients by this
/// plan and `predict` prices the same buckets (`IterationModel`).
public struct BucketPlan: Equatable, Sendable {
  public struct Bucket: Equatable, Sendable {
    /// Indices of the member tensors in the plan's input order.
    public var members: [Int]
    /// Each member's element offset inside the bucket buffer.
    public var offsets: [Int]
    /// Elements in the bucket.
    public var count: Int
  }

  public var buckets: [Bucket]
  /// For each tensor, the bucket that holds it.
  public var bucketOfTensor: [Int]

  /// Plans buckets for tensors of `elementCounts` elements (in backward order) of `elementSize`
  /// bytes each.
  public init(elementCounts: [Int], bucketBytes: Int, elementSize: Int = MemoryLayout<Float>.stride) {
    precondition(bucketBytes > 0, "bucket size must be positive")
    precondition(elementCounts.allSatisfy { $0 >= 0 }, "element counts must not be negative")
    var buckets: [Bucket] = []
    var bucketOfTensor: [Int] = []
    var current = Bucket(members: [], offsets: [], count: 0)
    for (index, count) in elementCounts.enumerated() {
      current.members.append(index)
      current.offsets.append(current.count)
      current.count += count
      bucketOfTensor.append(buckets.count)
      if current.count * elementSize >= bucketBytes {
        buckets.append(current)
        current = Bucket(members: [], offsets: [], count: 0)
      }
    }
    if !current.members.isEmpty { buckets.append(current) }
    self.buckets = buckets
    self.bucketOfTensor = bucketOfTensor
  }

  /// Total elements over all buckets.
  public var totalCount: Int { buckets.reduce(0) { $0 + $1.count } }

  /// Each bucket's size in bytes, in the order backward fills them, for `elementSize`-byte
  /// elements.
  public func bucketBytes(elementSize: Int = MemoryLayout<Float>.stride) -> [Int] {
    buckets.map { $0.count * elementSize }
  }
}
