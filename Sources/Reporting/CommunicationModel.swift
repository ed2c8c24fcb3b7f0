import Foundation

/// A fitted allreduce model: α (seconds per message), β (seconds per byte sent), γ (seconds per
/// byte reduced), evaluated with the structural cost terms of DESIGN.md (Thakur, Rabenseifner,
/// Gropp 2005):
/// ring 2(p−1)α + 2((p−1)/p)nβ + ((p−1)/p)nγ; recursive doubling ⌈lg p⌉(α + nβ + nγ);
/// Rabenseifner 2 lg p·α + 2((p−1)/p)nβ + ((p−1)/p)nγ; binomial 2 lg p·α + 2n lg p·β + n lg p·γ;
/// other algorithms (the MPI library's own, hierarchical) with ring's terms.
public struct CommunicationModel: Sendable {
  public var algorithm: String
  public var alphaS: Double
  public var betaSPerByte: Double
  public var gammaSPerByte: Double
  /// Held-out error, percent.
  public var mape: Double?
  /// Set when the model was fitted for one rank count only.
  public var ranks: Int?

  public init(
    algorithm: String, alphaS: Double, betaSPerByte: Double, gammaSPerByte: Double = 0, mape: Double? = nil,
    ranks: Int? = nil
  ) {
    self.algorithm = algorithm
    self.alphaS = alphaS
    self.betaSPerByte = betaSPerByte
    self.gammaSPerByte = gammaSPerByte
    self.mape = mape
    self.ranks = ranks
  }

  init?(loose object: [String: Any]) {
    guard let algorithm = LooseJSON.string(object, "algorithm", "name"),
      let alpha = LooseJSON.number(object, "alpha_s", "alpha"),
      let beta = LooseJSON.number(object, "beta_s_per_byte", "beta")
    else { return nil }
    self.init(
      algorithm: algorithm, alphaS: alpha, betaSPerByte: beta,
      gammaSPerByte: LooseJSON.number(object, "gamma_s_per_byte", "gamma") ?? 0,
      mape: LooseJSON.number(object, "mape", "mape_percent"),
      ranks: LooseJSON.number(object, "ranks").map { Int($0) })
  }

  /// Predicted seconds for `bytes` per rank on `ranks` ranks.
  public func seconds(ranks: Int, bytes: Int) -> Double {
    guard ranks > 1 else { return 0 }
    let p = Double(ranks)
    let n = Double(bytes)
    let share = (p - 1) / p
    let lg = log2(p)
    let latency: Double
    let transfer: Double
    let reduction: Double
    switch algorithm {
    case "recursive-doubling":
      let rounds = lg.rounded(.up)
      (latency, transfer, reduction) = (rounds, rounds * n, rounds * n)
    case "rabenseifner":
      (latency, transfer, reduction) = (2 * lg, 2 * share * n, share * n)
    case "binomial":
      (latency, transfer, reduction) = (2 * lg, 2 * n * lg, n * lg)
    default:
      (latency, transfer, reduction) = (2 * (p - 1), 2 * share * n, share * n)
    }
    return latency * alphaS + transfer * betaSPerByte + reduction * gammaSPerByte
  }
}
