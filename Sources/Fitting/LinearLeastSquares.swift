/// Weighted linear least squares for the few-parameter models the coordinator fits: minimise
/// Σ wᵢ²(yᵢ − xᵢ·θ)² by the normal equations (XᵀW²X)θ = XᵀW²y, solved by Cholesky in Double.
///
/// With wᵢ = 1/yᵢ the sum is of squared relative errors, which is what a model of times spanning
/// several decades should minimise (a 1 µs error matters at 8 bytes, not at 64 MiB). The normal
/// equations square the condition number; every model here has at most a handful of columns,
/// which are scaled to unit norm before solving so that bytes and seconds can share a system.
public struct LinearLeastSquares: Sendable {
  /// One row per point: the regressors.
  public var rows: [[Double]]
  /// The observed values.
  public var values: [Double]
  /// One weight per point (multiplies the residual).
  public var weights: [Double]

  public init(rows: [[Double]], values: [Double], weights: [Double]? = nil) {
    precondition(rows.count == values.count, "one row per value")
    precondition(weights == nil || weights!.count == values.count, "one weight per value")
    self.rows = rows
    self.values = values
    self.weights = weights ?? Array(repeating: 1, count: values.count)
  }

  /// Weights 1/y: minimises the relative error. Values must be positive.
  public static func relative(rows: [[Double]], values: [Double]) -> LinearLeastSquares {
    LinearLeastSquares(rows: rows, values: values, weights: values.map { 1 / $0 })
  }

  var columnCount: Int { rows.first?.count ?? 0 }

  /// The unconstrained solution, or nil when the columns are (numerically) dependent.
  public func solve() -> [Double]? {
    solve(columns: Array(0..<columnCount))
  }

  /// The solution with every coefficient ≥ 0 (exact non-negative least squares by trying every
  /// subset of free columns — fine for the ≤ 4 columns used here); nil when no subset is
  /// determined by the data.
  public func solveNonNegative() -> [Double]? {
    let n = columnCount
    precondition(n <= 12, "subset enumeration is for small models")
    var best: (residual: Double, solution: [Double])?
    for mask in 1..<(1 << n) {
      let columns = (0..<n).filter { mask & (1 << $0) != 0 }
      guard let solution = solve(columns: columns), solution.allSatisfy({ $0 >= 0 }) else { continue }
      let residual = weightedResidual(solution)
      if best == nil || residual < best!.residual * (1 - 1e-12) { best = (residual, solution) }
    }
    return best?.solution
  }

  /// Σ wᵢ²(yᵢ − xᵢ·θ)².
  public func weightedResidual(_ solution: [Double]) -> Double {
    var sum = 0.0
    for i in rows.indices {
      let predicted = zip(rows[i], solution).map(*).reduce(0, +)
      let r = weights[i] * (values[i] - predicted)
      sum += r * r
    }
    return sum
  }

  /// Solves with only `columns` free and the others fixed at 0.
  func solve(columns: [Int]) -> [Double]? {
    let k = columns.count
    guard k > 0, rows.count >= k else { return nil }
    // Column scales: unit weighted norm, so the Cholesky pivot test is scale-free.
    var scales = [Double](repeating: 0, count: k)
    for (j, c) in columns.enumerated() {
      var sum = 0.0
      for i in rows.indices { sum += (weights[i] * rows[i][c]) * (weights[i] * rows[i][c]) }
      guard sum > 0, sum.isFinite else { return nil }
      scales[j] = 1 / sum.squareRoot()
    }
    var normal = [Double](repeating: 0, count: k * k)
    var rightSide = [Double](repeating: 0, count: k)
    for i in rows.indices {
      let w2 = weights[i] * weights[i]
      for a in 0..<k {
        let xa = rows[i][columns[a]] * scales[a]
        rightSide[a] += w2 * xa * values[i]
        for b in 0...a { normal[a * k + b] += w2 * xa * rows[i][columns[b]] * scales[b] }
      }
    }
    guard let scaled = CholeskySolver.solve(symmetric: normal, size: k, rightSide: rightSide)
    else { return nil }
    var solution = [Double](repeating: 0, count: columnCount)
    for (j, c) in columns.enumerated() { solution[c] = scaled[j] * scales[j] }
    return solution.allSatisfy(\.isFinite) ? solution : nil
  }
}

/// Cholesky factorisation A = LLᵀ of a small symmetric positive-definite matrix (lower triangle
/// read, row-major) and the two triangular solves.
enum CholeskySolver {
  /// Relative pivot below which the matrix counts as singular: columns whose unit-norm versions
  /// are dependent to about eight digits.
  static let pivotTolerance = 1e-10

  static func solve(symmetric a: [Double], size n: Int, rightSide b: [Double]) -> [Double]? {
    var lower = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var sum = a[i * n + j]
        for k in 0..<j { sum -= lower[i * n + k] * lower[j * n + k] }
        if i == j {
          guard sum > pivotTolerance * max(a[i * n + i], 1e-300) else { return nil }
          lower[i * n + i] = sum.squareRoot()
        } else {
          lower[i * n + j] = sum / lower[j * n + j]
        }
      }
    }
    var y = b
    for i in 0..<n {
      for k in 0..<i { y[i] -= lower[i * n + k] * y[k] }
      y[i] /= lower[i * n + i]
    }
    var x = y
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<n { x[i] -= lower[k * n + i] * x[k] }
      x[i] /= lower[i * n + i]
    }
    return x
  }
}
