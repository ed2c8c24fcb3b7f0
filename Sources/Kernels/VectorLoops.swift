/// Explicitly vectorised loops (16 floats at a time) for the reductions and selections that
/// the compiler leaves scalar: a float sum is not reassociated without fast-math, so it would
/// run one dependent add per element, and a data-dependent select compiles to a mispredicted
/// branch.
enum VectorLoops {
  typealias Lanes = SIMD16<Float>

  @inline(__always)
  static func load(_ pointer: UnsafePointer<Float>, _ index: Int) -> Lanes {
    UnsafeRawPointer(pointer + index).loadUnaligned(as: Lanes.self)
  }

  @inline(__always)
  static func store(_ lanes: Lanes, _ pointer: UnsafeMutablePointer<Float>, _ index: Int) {
    UnsafeMutableRawPointer(pointer + index).storeBytes(of: lanes, as: Lanes.self)
  }

  /// Σ x[i].
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = Lanes()
    var index = 0
    while index + 16 <= count {
      lanes += load(x, index)
      index += 16
    }
    var total = lanes.sum()
    while index < count {
      total += x[index]
      index += 1
    }
    return total
  }

  /// Σ (x[i] − center)².
  @inline(__always)
  static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, around center: Float) -> Float {
    var lanes = Lanes()
    var index = 0
    let centers = Lanes(repeating: center)
    while index + 16 <= count {
      let d = load(x, index) - centers
      lanes += d * d
      index += 16
    }
    var total = lanes.sum()
    while index < count {
      let d = x[index] - center
      total += d * d
      index += 1
    }
    return total
  }

  /// Σ a[i]·(b[i] − center).
  @inline(__always)
  static func sumOfProducts(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, around center: Float)
    -> Float
  {
    var lanes = Lanes()
    var index = 0
    let centers = Lanes(repeating: center)
    while index + 16 <= count {
      lanes += load(a, index) * (load(b, index) - centers)
      index += 16
    }
    var total = lanes.sum()
    while index < count {
      total += a[index] * (b[index] - center)
      index += 1
    }
    return total
  }

  /// y[i] = max(x[i], 0).
  @inline(__always)
  static func rectify(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, range: Range<Int>) {
    var index = range.lowerBound
    let zero = Lanes()
    while index + 16 <= range.upperBound {
      let lanes = load(x, index)
      store(lanes.replacing(with: zero, where: lanes .< zero), y, index)
      index += 16
    }
    while index < range.upperBound {
      y[index] = x[index] < 0 ? 0 : x[index]
      index += 1
    }
  }

  /// dx[i] = (y[i] > 0 ? dy[i] : 0), added to dx when `adding`.
  @inline(__always)
  static func passWherePositive(
    _ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, range: Range<Int>,
    adding: Bool
  ) {
    var index = range.lowerBound
    let zero = Lanes()
    while index + 16 <= range.upperBound {
      let passed = load(dy, index).replacing(with: zero, where: load(y, index) .<= zero)
      store(adding ? load(dx, index) + passed : passed, dx, index)
      index += 16
    }
    while index < range.upperBound {
      let passed = y[index] > 0 ? dy[index] : 0
      dx[index] = adding ? dx[index] + passed : passed
      index += 1
    }
  }

  /// y[i] = a·x[i] + b.
  @inline(__always)
  static func scaleAndShift(
    _ x: UnsafePointer<Float>, by a: Float, plus b: Float, into y: UnsafeMutablePointer<Float>, count: Int
  ) {
    var index = 0
    let scales = Lanes(repeating: a)
    let shifts = Lanes(repeating: b)
    while index + 16 <= count {
      store(load(x, index) * scales + shifts, y, index)
      index += 16
    }
    while index < count {
      y[index] = a * x[index] + b
      index += 1
    }
  }

  /// z[i] = a·x[i] + b·y[i] + c, added to z when `adding`.
  @inline(__always)
  static func combine(
    _ x: UnsafePointer<Float>, times a: Float, _ y: UnsafePointer<Float>, times b: Float, plus c: Float,
    into z: UnsafeMutablePointer<Float>, count: Int, adding: Bool
  ) {
    var index = 0
    let aLanes = Lanes(repeating: a)
    let bLanes = Lanes(repeating: b)
    let cLanes = Lanes(repeating: c)
    while index + 16 <= count {
      let value = load(x, index) * aLanes + load(y, index) * bLanes + cLanes
      store(adding ? load(z, index) + value : value, z, index)
      index += 16
    }
    while index < count {
      let value = a * x[index] + b * y[index] + c
      z[index] = adding ? z[index] + value : value
      index += 1
    }
  }
}
