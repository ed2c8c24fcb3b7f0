import Foundation

/// The structural allreduce cost models of Thakur, Rabenseifner and Gropp (2005), p ranks,
/// n bytes: the coefficients of α (latency per message), β (seconds per byte sent) and γ
/// (seconds per byte reduced), so that T = a·α + b·β + c·γ is linear in (α, β, γ).
///
/// - ring: 2(p−1)α + 2((p−1)/p)nβ + ((p−1)/p)nγ
/// - recursive doubling: ⌈lg p⌉(α + nβ + nγ)
/// - Rabenseifner: 2 lg p·α + 2((p−1)/p)nβ + ((p−1)/p)nγ
/// - binomial reduce + broadcast: 2 lg p·α + 2n lg p·β + n lg p·γ
/// - hierarchical and the MPI library's own (`mpi`): modelled with ring's terms (their real
///   schedule is not known to the coordinator; ring is what OpenMPI picks for large buffers).
public struct CollectiveCostTerms: Sendable, Equatable {
  public var latency: Double
  public var transfer: Double
  public var reduction: Double

  public init(algorithm: String, ranks: Int, bytes: Int) {
    let p = Double(ranks)
    let n = Double(bytes)
    guard ranks > 1 else {
      self.init(latency: 0, transfer: 0, reduction: 0)
      return
    }
    let share = (p - 1) / p
    let lg = Foundation.log2(p)
    switch algorithm {
    case "recursive-doubling":
      let rounds = lg.rounded(.up)
      self.init(latency: rounds, transfer: rounds * n, reduction: rounds * n)
    case "rabenseifner":
      self.init(latency: 2 * lg, transfer: 2 * share * n, reduction: share * n)
    case "binomial":
      self.init(latency: 2 * lg, transfer: 2 * n * lg, reduction: n * lg)
    default:  // ring, hierarchical, mpi
      self.init(latency: 2 * (p - 1), transfer: 2 * share * n, reduction: share * n)
    }
  }

  init(latency: Double, transfer: Double, reduction: Double) {
    self.latency = latency
    self.transfer = transfer
    self.reduction = reduction
  }

  /// Whether the algorithm has its own terms or borrows ring's.
  public static func usesRingTerms(_ algorithm: String) -> Bool {
    !["ring", "recursive-doubling", "rabenseifner", "binomial"].contains(algorithm)
  }

  public var row: [Double] { [latency, transfer, reduction] }
}
