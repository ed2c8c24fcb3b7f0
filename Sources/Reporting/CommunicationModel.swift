import Foundation
import Measurements

/// A fitted allreduce model. Either structural — α (seconds per message), β (seconds per byte
/// sent), γ (seconds per byte reduced), evaluated with the cost terms of docs/ARCHITECTURE.md,
/// "Models" (Thakur,
/// Rabenseifner, Gropp 2005):
/// ring 2(p−1)α + 2((p−1)/p)nβ + ((p−1)/p)nγ; recursive doubling ⌈lg p⌉(α + nβ + nγ);
/// Rabenseifner 2 lg p·α + 2((p−1)/p)nβ + ((p−1)/p)nγ; binomial 2 lg p·α + 2n lg p·β + n lg p·γ;
/// other algorithms (the MPI library's own, hierarchical) with ring's terms — or Hockney's
/// T(n) = a + b·n at one rank count, piecewise in n (the pieces meet at the eager limit).
public struct CommunicationModel: Sendable {
  /// One size range of a piecewise Hockney model, from `fromBytes` (inclusive).
  public struct Piece: Sendable {
    public var fromBytes: Int
    public var latencyS: Double
    public var secondsPerByte: Double
  }

  public var algorithm: String
  public var alphaS: Double
  public var betaSPerByte: Double
  public var gammaSPerByte: Double
  /// Hockney pieces, sorted by `fromBytes`; when present they replace the structural terms.
  public var pieces: [Piece]
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
    self.pieces = []
    self.mape = mape
    self.ranks = ranks
  }

  init?(loose object: [String: Any]) {
    guard let algorithm = LooseJSON.string(object, "algorithm", "name") else { return nil }
    let mape = LooseJSON.number(object, "mape", "mape_percent")
    let ranks = LooseJSON.number(object, "ranks").map { Int($0) }
    let pieces = LooseJSON.objects(object["pieces"]).compactMap { piece -> Piece? in
      guard let latency = LooseJSON.number(piece, "latency_s", "alpha_s"),
        let perByte = LooseJSON.number(piece, "seconds_per_byte", "beta_s_per_byte")
      else { return nil }
      return Piece(
        fromBytes: Int(LooseJSON.number(piece, "from_bytes") ?? 0), latencyS: latency, secondsPerByte: perByte)
    }.sorted { $0.fromBytes < $1.fromBytes }
    if !pieces.isEmpty, ranks != nil {
      self.init(
        algorithm: algorithm, alphaS: pieces[0].latencyS, betaSPerByte: pieces[0].secondsPerByte, mape: mape,
        ranks: ranks)
      self.pieces = pieces
      return
    }
    guard let alpha = LooseJSON.number(object, "alpha_s", "alpha"),
      let beta = LooseJSON.number(object, "beta_s_per_byte", "beta")
    else { return nil }
    self.init(
      algorithm: algorithm, alphaS: alpha, betaSPerByte: beta,
      gammaSPerByte: LooseJSON.number(object, "gamma_s_per_byte", "gamma") ?? 0, mape: mape, ranks: ranks)
  }

  /// "α = 1.6 µs, β = 2.3 ns/B, γ = 0 ns/B", or the Hockney pieces.
  public var parameters: String {
    if pieces.isEmpty {
      return String(
        format: "α = %.3g µs, β = %.3g ns/B, γ = %.3g ns/B", alphaS * 1e6, betaSPerByte * 1e9, gammaSPerByte * 1e9)
    }
    return pieces.map {
      "from \(ByteSize.format($0.fromBytes)): "
        + String(format: "%.3g µs + %.3g ns/B", $0.latencyS * 1e6, $0.secondsPerByte * 1e9)
    }.joined(separator: "; ")
  }

  /// Predicted seconds for `bytes` per rank on `ranks` ranks.
  public func seconds(ranks: Int, bytes: Int) -> Double {
    if let piece = pieces.last(where: { $0.fromBytes <= bytes }) ?? pieces.first {
      return piece.latencyS + piece.secondsPerByte * Double(bytes)
    }
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
