import Fitting
import Foundation
import Measurements

/// What a report reads from models.json: the `ModelsFile` that `dlscale fit` wrote, decoded with
/// the same types, and looked up by what was measured.
extension ModelsFile {
  /// The allreduce model `predict` prices `algorithm` with (its pieces by message size included);
  /// for a series of one host, the algorithm's one-host model where it was fitted apart.
  public func communicationModel(for series: AllreduceSeries) -> StructuralCollectiveModel? {
    if series.hosts == 1, let oneHost = communicationWithinHost(for: series.algorithm) { return oneHost }
    return communication(for: series.algorithm)
  }

  /// The fit of a measured series: its engine, model, scaling mode and batch, and its setup
  /// where the fit names one (a curve of one rank has none).
  public func scalingFit(for series: ScalingSeries) -> ScalingFit? {
    scaling.first { fit in
      fit.engineName == series.engine && fit.model == series.model && fit.scaling == series.scaling
        && (series.batch == nil || fit.batch == series.batch)
        && (fit.setup == nil || fit.setup == series.setup)
    }
  }
}

extension StructuralCollectiveModel {
  /// "α = 1.6 µs, β = 2.3 ns/B, γ = 0 ns/B", then the pieces `predict` uses by message size.
  public var reportParameters: String {
    var text = String(
      format: "α = %.3g µs, β = %.3g ns/B, γ = %.3g ns/B", alphaS * 1e6, betaSPerByte * 1e9, gammaSPerByte * 1e9)
    if let pieces {
      text +=
        "; by message size: "
        + pieces.map { piece in
          (piece.maximumMessageBytes.map { "≤ \(ByteSize.format($0))" } ?? "larger")
            + String(format: " α = %.3g µs, β = %.3g ns/B", piece.alphaS * 1e6, piece.betaSPerByte * 1e9)
        }.joined(separator: ", ")
    }
    return text + (usesRingTerms ? " (ring's terms)" : "")
  }
}

/// One scaling law of a `ScalingFit` as the report shows it: its name and parameters, its
/// held-out error and its curve.
public struct FittedLaw: Sendable {
  public var name: String
  public var parameters: String
  /// Leave-one-rank-count-out MAPE of throughput, percent.
  public var mape: Double?
  public var law: any ScalingLaw

  public func efficiency(ranks: Double) -> Double { law.efficiency(ranks: ranks) }
}

extension ScalingFit {
  /// The laws fitted, each with its held-out error: Amdahl, Gustafson, USL.
  public var fittedLaws: [FittedLaw] {
    var laws: [FittedLaw] = []
    if let amdahl {
      laws.append(
        FittedLaw(
          name: "Amdahl", parameters: String(format: "serial fraction %.3g", amdahl.serialFraction),
          mape: amdahlMape, law: amdahl))
    }
    if let gustafson {
      laws.append(
        FittedLaw(
          name: "Gustafson", parameters: String(format: "serial fraction %.3g", gustafson.serialFraction),
          mape: gustafsonMape, law: gustafson))
    }
    if let usl {
      laws.append(
        FittedLaw(
          name: "USL", parameters: String(format: "σ = %.3g, κ = %.3g", usl.sigma, usl.kappa), mape: uslMape, law: usl))
    }
    return laws
  }

  /// The law with the smallest held-out error.
  public var bestLaw: FittedLaw? {
    fittedLaws.filter { $0.mape != nil }.min { $0.mape! < $1.mape! }
  }
}
