/// The one computation of the hand-written allreduce algorithms: an elementwise sum of two
/// vectors with a fixed operand order, so that every rank that computes a block computes it
/// with the same operations in the same order.
///
/// The algorithms are called through `any AllreduceAlgorithm`, so their generic bodies are not
/// specialised; this function dispatches to a concrete loop per element type so that the sum
/// runs as a vectorised loop over raw pointers rather than through protocol witnesses.
enum LocalReduction {
  /// `result[i] = first[i] + second[i]`. `result` may be the same memory as `first` or
  /// `second` (elementwise aliasing is fine); all three have the same count.
  static func sum<T: MPIFloatingPoint>(
    _ first: UnsafeBufferPointer<T>, _ second: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>
  ) {
    precondition(
      first.count == result.count && second.count == result.count,
      "sum: operands of \(first.count) and \(second.count) elements into \(result.count)")
    guard let a = first.baseAddress, let b = second.baseAddress, let r = result.baseAddress, result.count > 0
    else { return }
    let count = result.count
    if T.self == Float.self {
      sumFloats(
        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self),
        UnsafeMutableRawPointer(r).assumingMemoryBound(to: Float.self), count)
    } else if T.self == Double.self {
      sumDoubles(
        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self),
        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self),
        UnsafeMutableRawPointer(r).assumingMemoryBound(to: Double.self), count)
    } else {
      for i in 0..<count { r[i] = a[i] + b[i] }
    }
  }

  private static func sumFloats(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ r: UnsafeMutablePointer<Float>, _ count: Int
  ) {
    for i in 0..<count { r[i] = a[i] + b[i] }
  }

  private static func sumDoubles(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ count: Int
  ) {
    for i in 0..<count { r[i] = a[i] + b[i] }
  }
}
