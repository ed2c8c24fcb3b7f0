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
    sumInLanes(a, b, r, count, lanes: SIMD16<Float>.self)
  }

  private static func sumDoubles(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, _ count: Int
  ) {
    sumInLanes(a, b, r, count, lanes: SIMD8<Double>.self)
  }

  /// The sum in SIMD vectors of `Vector.scalarCount` lanes, then a scalar tail. Each lane is the
  /// same IEEE addition as the scalar loop, so the bits do not depend on where a block starts.
  /// Explicit vectors because the compiler does not vectorise the scalar loop across the
  /// possible aliasing of `r` with `a` or `b`; loading both operands before storing keeps the
  /// exact aliasing (`r == a` or `r == b`) correct.
  @inline(__always)
  private static func sumInLanes<Vector: SIMD>(
    _ a: UnsafePointer<Vector.Scalar>, _ b: UnsafePointer<Vector.Scalar>, _ r: UnsafeMutablePointer<Vector.Scalar>,
    _ count: Int, lanes: Vector.Type
  ) where Vector.Scalar: BinaryFloatingPoint {
    let width = Vector.scalarCount
    let stride = MemoryLayout<Vector.Scalar>.stride
    let first = UnsafeRawPointer(a)
    let second = UnsafeRawPointer(b)
    let result = UnsafeMutableRawPointer(r)
    var index = 0
    while index + width <= count {
      let offset = index * stride
      let x = first.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      let y = second.loadUnaligned(fromByteOffset: offset, as: Vector.self)
      result.storeBytes(of: x + y, toByteOffset: offset, as: Vector.self)
      index += width
    }
    while index < count {
      r[index] = a[index] + b[index]
      index += 1
    }
  }
}
