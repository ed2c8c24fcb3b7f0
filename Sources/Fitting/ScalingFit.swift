import Measurements

/// The scaling laws fitted to one measured curve, each with its leave-one-rank-count-out MAPE
/// of throughput (the 1-rank baseline is always kept; every other rank count is held out in
/// turn).
public struct ScalingFit: Codable, Sendable, Equatable {
  public var model: String
  public var scaling: String
  public var batch: Int
  /// How the ranks communicated (`Record.trainingSetup`); absent for a curve of one rank.
  public var setup: String?
  /// The training engine of the curve when it is not dlscale's own ("pytorch"); absent for
  /// dlscale's, so that files written before engines were told apart read the same.
  public var engine: String?
  public var points: [ScalingPoint]
  public var baselineSamplesPerS: Double
  public var amdahl: AmdahlLaw?
  public var amdahlMape: Double?
  public var gustafson: GustafsonLaw?
  public var gustafsonMape: Double?
  public var usl: UniversalScalabilityLaw?
  public var uslMape: Double?
  public var karpFlatt: [KarpFlattMetric.Point]
  /// Why a law could not be fitted, one line each.
  public var problems: [String]

  /// The engine of the curve: `engine`, or dlscale's own when absent.
  public var engineName: String { engine ?? Record.ownEngine }

  public static func fit(_ curve: ScalingPoint.Curve) throws -> ScalingFit {
    let engine = curve.engine == Record.ownEngine ? nil : curve.engine
    let label =
      "scaling \(curve.model) \(curve.scaling) batch \(curve.batch)" + (curve.setup.map { " (\($0))" } ?? "")
      + (engine.map { curve.setup?.hasPrefix("\($0),") == true ? "" : " [\($0)]" } ?? "")
    let (baseline, speedups) = try curve.points.speedups(model: label)
    guard !speedups.isEmpty else {
      throw FittingError.tooFewPoints(model: label, needed: 2, found: curve.points.count)
    }
    var result = ScalingFit(
      model: curve.model, scaling: curve.scaling, batch: curve.batch, setup: curve.setup, engine: engine,
      points: curve.points,
      baselineSamplesPerS: baseline, karpFlatt: try KarpFlattMetric.of(curve.points), problems: [])
    func attempt<Law: ScalingLaw>(_ fit: ([ScalingPoint]) throws -> Law) -> (Law?, Double?) {
      do {
        let law = try fit(curve.points)
        let mape = heldOutError(curve.points, baseline: baseline, fit: fit)
        return (law, mape)
      } catch {
        result.problems.append("\(label): \(error)")
        return (nil, nil)
      }
    }
    (result.amdahl, result.amdahlMape) = attempt(AmdahlLaw.fit)
    (result.gustafson, result.gustafsonMape) = attempt(GustafsonLaw.fit)
    (result.usl, result.uslMape) = attempt(UniversalScalabilityLaw.fit)
    return result
  }

  static func heldOutError<Law: ScalingLaw>(
    _ points: [ScalingPoint], baseline: Double, fit: ([ScalingPoint]) throws -> Law
  ) -> Double? {
    let held = points.filter { $0.ranks > 1 }
    var predicted: [Double] = []
    var observed: [Double] = []
    for point in held {
      guard let law = try? fit(points.filter { $0.ranks != point.ranks }) else { continue }
      predicted.append(baseline * law.speedup(ranks: point.ranks))
      observed.append(point.samplesPerS)
    }
    return MeanAbsolutePercentageError.of(predicted: predicted, observed: observed)
  }
}
