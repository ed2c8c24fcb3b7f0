/// The Karp–Flatt metric, the experimentally determined serial fraction
/// e = (1/S − 1/N) / (1 − 1/N) at each measured N > 1. A constant e points at a serial part; an e
/// growing with N at parallel overhead (communication).
public enum KarpFlattMetric {
  public struct Point: Codable, Sendable, Equatable {
    public var ranks: Int
    public var speedup: Double
    public var efficiency: Double
    public var serialFraction: Double
  }

  public static func of(_ points: [ScalingPoint]) throws -> [Point] {
    let (_, speedups) = try points.speedups(model: "Karp–Flatt")
    return speedups.map { point in
      let n = point.ranks
      let e = (1 / point.speedup - 1 / n) / (1 - 1 / n)
      return Point(ranks: Int(n), speedup: point.speedup, efficiency: point.speedup / n, serialFraction: e)
    }
  }
}
