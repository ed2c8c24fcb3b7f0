import Measurements

extension Network {
  /// The gradient buckets of this network for `bucketBytes` buckets: `BucketPlan` over the
  /// trainable tensors in `gradientOrder`. What the agent packs and reduces; `predict` plans the
  /// same buckets from the spec alone (`ModelSpec.gradientTensorCounts`).
  public func bucketPlan(bucketBytes: Int) -> BucketPlan {
    BucketPlan(elementCounts: gradientOrder.map { $0.parameter.value.count }, bucketBytes: bucketBytes)
  }
}
