import Testing

@testable import Measurements

@Test func tensorsFillBucketsUpToTheCap() {
  // 4-byte elements, 100-byte buckets: 10+10+10 = 120 B closes bucket 0, and so on.
  let plan = BucketPlan(elementCounts: [10, 10, 10, 5, 40, 3], bucketBytes: 100)
  #expect(plan.buckets.map(\.members) == [[0, 1, 2], [3, 4], [5]])
  #expect(plan.buckets.map(\.count) == [30, 45, 3])
  #expect(plan.buckets[1].offsets == [0, 5])
  #expect(plan.bucketOfTensor == [0, 0, 0, 1, 1, 2])
  #expect(plan.totalCount == 78)
}

@Test func largeTensorIsABucketOfItsOwn() {
  let plan = BucketPlan(elementCounts: [1000, 1, 1], bucketBytes: 16)
  #expect(plan.buckets.map(\.members) == [[0], [1, 2]])
}

@Test(arguments: [1, 7, 64, 1 << 20, 25 << 20])
func everyTensorIsInExactlyOneBucket(bucketBytes: Int) {
  let counts = (0..<50).map { ($0 * 7919) % 3001 }
  let plan = BucketPlan(elementCounts: counts, bucketBytes: bucketBytes)
  let members = plan.buckets.flatMap(\.members)
  #expect(members == Array(counts.indices), "members must keep backward order")
  #expect(plan.totalCount == counts.reduce(0, +))
  for bucket in plan.buckets.dropLast() {
    #expect(bucket.count * 4 >= bucketBytes, "only the last bucket may be under the cap")
  }
}
