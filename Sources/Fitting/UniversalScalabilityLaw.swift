/// The Universal Scalability Law, C(N) = N / (1 + σ(N − 1) + κN(N − 1)): σ for contention,
/// κ for coherency (crosstalk) cost. Linearised as N/C − 1 = σ(N − 1) + κN(N − 1) and fitted by
/// non-negative least squares (σ, κ ≥ 0).
public struct UniversalScalabilityLaw: ScalingLaw, Codable, Equatable {
  public var sigma: Double
  public var kappa: Double

  public init(sigma: Double, kappa: Double) {
    self.sigma = sigma
    self.kappa = kappa
  }

  public func speedup(ranks n: Double) -> Double {
    return n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
  }

  /// The rank count of peak throughput, √((1 − σ)/κ), when κ > 0.
  public var peakRanks: Double? {
    kappa > 0 && sigma < 1 ? ((1 - sigma) / kappa).squareRoot() : nil
  }

  public static func fit(_ points: [ScalingPoint]) throws -> UniversalScalabilityLaw {
    let name = "USL"
    let (_, speedups) = try points.speedups(model: name)
    guard speedups.count >= 2 else {
      throw FittingError.tooFewPoints(model: name, needed: 3, found: speedups.count + 1)
    }
    let problem = LinearLeastSquares(
      rows: speedups.map { [$0.ranks - 1, $0.ranks * ($0.ranks - 1)] },
      values: speedups.map { $0.ranks / $0.speedup - 1 })
    guard let solution = problem.solveNonNegative() else {
      // Every point superlinear: no contention or coherency cost can be seen.
      if speedups.allSatisfy({ $0.speedup >= $0.ranks }) { return UniversalScalabilityLaw(sigma: 0, kappa: 0) }
      throw FittingError.singular(model: name)
    }
    return UniversalScalabilityLaw(sigma: solution[0], kappa: solution[1])
  }
}
