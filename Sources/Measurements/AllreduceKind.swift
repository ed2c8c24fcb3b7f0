/// The allreduce algorithms dlscale knows, by the name used on the command line, in records and
/// in models.json. The one list of them: the agents' plug-ins, the fits, `predict` and the
/// report all speak of algorithms through this type, and price them with `cost(ranks:bytes:)`.
public enum AllreduceKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  /// The MPI library's own `MPI_Allreduce`: whatever the library selects.
  case mpi
  case ring
  case recursiveDoubling = "recursive-doubling"
  case rabenseifner
  case binomial
  /// A ring reduce-scatter inside each node, a ring per node rank across the nodes, a ring
  /// allgather inside each node.
  case hierarchical

  public var description: String { rawValue }

  /// The algorithm called `name`, or nil.
  public init?(name: String) { self.init(rawValue: name) }

  /// The α (messages), β (bytes sent) and γ (bytes reduced) counts of the algorithm's schedule
  /// for `ranks` ranks reducing `bytes` bytes each, counted along its longest chain of dependent
  /// messages (a message leaves when its sender and receiver have both finished what came before
  /// it), so that T = α·alpha + β·beta + γ·gamma. `ranksPerNode` is q for `hierarchical`.
  ///
  /// With p′ = 2^⌊lg p⌋ and n bytes (Thakur, Rabenseifner and Gropp 2005, as dlscale's
  /// schedules run them):
  /// - ring: 2(p−1)α + 2((p−1)/p)nβ + ((p−1)/p)nγ, the lower bound in β;
  /// - recursive doubling: ⌊lg p⌋(α + nβ + nγ), plus the fold when p ≠ p′;
  /// - Rabenseifner: 2 lg p′·α + 2((p′−1)/p′)nβ + ((p′−1)/p′)nγ, plus the fold when p ≠ p′;
  /// - the fold of the extra p − p′ ranks into p′ and back: (α + nβ + nγ) + (α + nβ);
  /// - binomial reduce and broadcast: 2⌈lg p⌉α + 2⌈lg p⌉nβ + ⌈lg p⌉nγ;
  /// - hierarchical, q ranks per node and N = p/q nodes: ring's terms for q ranks and n bytes
  ///   (reduce-scatter and allgather inside the nodes) plus ring's terms for N ranks and n/q
  ///   bytes (across), 2((p−1)/p)nβ in all; with q = 1 (the topology unknown) exactly ring's
  ///   terms. When q does not divide p the nodes are unequal and the schedule reduces to a
  ///   leader per node: binomial reduce and broadcast inside, 2⌈lg q⌉α + 2⌈lg q⌉nβ + ⌈lg q⌉nγ,
  ///   plus ring's terms for N = ⌈p/q⌉ ranks and n bytes;
  /// - mpi: nil, its schedule is the library's choice (`modelledCost` prices it as ring, what
  ///   OpenMPI picks for large buffers).
  public func cost(ranks: Int, bytes: Int, ranksPerNode: Int = 1) -> CostTerms? {
    precondition(ranks >= 1 && bytes >= 0 && ranksPerNode >= 1, "cost: \(ranks) ranks, \(bytes) bytes")
    let n = Double(bytes)
    switch self {
    case .mpi:
      return nil
    case .ring:
      return Self.ringCost(ranks: ranks, bytes: n)
    case .recursiveDoubling:
      let rounds = Double(RankArithmetic.floorLog2(ranks))
      return CostTerms(alpha: rounds, beta: rounds * n, gamma: rounds * n) + Self.foldCost(ranks: ranks, bytes: bytes)
    case .rabenseifner:
      let participants = RankArithmetic.largestPowerOfTwo(atMost: ranks)
      let rounds = Double(RankArithmetic.floorLog2(ranks))
      let share = Double(participants - 1) / Double(participants) * n
      return CostTerms(alpha: 2 * rounds, beta: 2 * share, gamma: share) + Self.foldCost(ranks: ranks, bytes: bytes)
    case .binomial:
      let rounds = Double(RankArithmetic.ceilLog2(ranks))
      return CostTerms(alpha: 2 * rounds, beta: 2 * rounds * n, gamma: rounds * n)
    case .hierarchical:
      let local = min(ranksPerNode, ranks)
      let nodes = (ranks + local - 1) / local
      guard ranks % local == 0 else {
        return Self.binomial.cost(ranks: local, bytes: bytes)! + Self.ringCost(ranks: nodes, bytes: n)
      }
      return Self.ringCost(ranks: local, bytes: n) + Self.ringCost(ranks: nodes, bytes: n / Double(local))
    }
  }

  /// Ring's terms for `ranks` ranks and n bytes (n/q is not always whole).
  private static func ringCost(ranks: Int, bytes n: Double) -> CostTerms {
    let share = Double(ranks - 1) / Double(ranks) * n
    return CostTerms(alpha: 2 * Double(ranks - 1), beta: 2 * share, gamma: share)
  }

  /// The terms `predict` and the fits price the algorithm with: its own, or ring's where its
  /// schedule is not known (`mpi`) or the topology is not (`hierarchical` at one rank per node
  /// is ring's terms exactly).
  public func modelledCost(ranks: Int, bytes: Int, ranksPerNode: Int = 1) -> CostTerms {
    cost(ranks: ranks, bytes: bytes, ranksPerNode: ranksPerNode) ?? Self.ring.cost(ranks: ranks, bytes: bytes)!
  }

  /// Whether `modelledCost` borrows ring's terms rather than the algorithm's own schedule.
  public var usesRingTerms: Bool { self == .mpi || self == .hierarchical }

  /// Folding the p − p′ extra ranks into the p′ = 2^⌊lg p⌋ participants and the result back
  /// out: (α + nβ + nγ) + (α + nβ), nothing when p is a power of two.
  static func foldCost(ranks: Int, bytes: Int) -> CostTerms {
    guard ranks != RankArithmetic.largestPowerOfTwo(atMost: ranks) else { return .zero }
    let n = Double(bytes)
    return CostTerms(alpha: 2, beta: 2 * n, gamma: n)
  }
}
