/// Amdahl's law, S(N) = 1 / (s + (1 − s)/N), with s the serial fraction. Linearised as
/// 1/S − 1/N = s(1 − 1/N) and fitted by least squares through the origin, s clamped to [0, 1].
public struct AmdahlLaw: ScalingLaw, Codable, Equatable {
  public var serialFraction: Double

  public init(serialFraction: Double) { self.serialFraction = serialFraction }

  public func speedup(ranks n: Double) -> Double {
    return 1 / (serialFraction + (1 - serialFraction) / n)
  }

  public static func fit(_ points: [ScalingPoint]) throws -> AmdahlLaw {
    let name = "Amdahl"
    let (_, speedups) = try points.speedups(model: name)
    guard !speedups.isEmpty else { throw FittingError.tooFewPoints(model: name, needed: 2, found: points.count) }
    let problem = LinearLeastSquares(
      rows: speedups.map { [1 - 1 / $0.ranks] }, values: speedups.map { 1 / $0.speedup - 1 / $0.ranks })
    guard let solution = problem.solve() else { throw FittingError.singular(model: name) }
    return AmdahlLaw(serialFraction: min(max(solution[0], 0), 1))
  }
}
