/// Gustafson's law (scaled speedup), S(N) = N − s(N − 1), with s the serial fraction of the
/// parallel run. Linear in s: N − S = s(N − 1), fitted by least squares through the origin,
/// s clamped to [0, 1].
public struct GustafsonLaw: ScalingLaw, Codable, Equatable {
  public var serialFraction: Double

  public init(serialFraction: Double) { self.serialFraction = serialFraction }

  public func speedup(ranks n: Double) -> Double {
    return n - serialFraction * (n - 1)
  }

  public static func fit(_ points: [ScalingPoint]) throws -> GustafsonLaw {
    let name = "Gustafson"
    let (_, speedups) = try points.speedups(model: name)
    guard !speedups.isEmpty else { throw FittingError.tooFewPoints(model: name, needed: 2, found: points.count) }
    let problem = LinearLeastSquares(
      rows: speedups.map { [$0.ranks - 1] }, values: speedups.map { $0.ranks - $0.speedup })
    guard let solution = problem.solve() else { throw FittingError.singular(model: name) }
    return GustafsonLaw(serialFraction: min(max(solution[0], 0), 1))
  }
}
