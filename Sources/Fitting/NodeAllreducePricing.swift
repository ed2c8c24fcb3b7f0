import Measurements

/// An allreduce among N nodes of d ranks each, priced with two links: the link within a node
/// (α_i, β_i) and the network between nodes (α_e, β_e), plus γ per reduced byte
/// (docs/ARCHITECTURE.md, "Models"). Ranks are numbered node by node (rank r is on node ⌊r/d⌋).
///
/// Flat: the algorithm's own rounds over all p = N·d ranks (`AllreduceKind.cost`). A round in
/// which every message stays inside its node costs α_i + m·β_i; one in which some cross costs
/// max(α_i + m·β_i, α_e + m·f·β_e), where f is the most messages leaving one node at once (they
/// share its NIC: each gets 1/f of it). Ring crosses one message per node per round (f = 1);
/// recursive doubling, Rabenseifner and binomial at distance ≥ d send all d at once (f = d).
///
/// Hierarchical: a ring reduce-scatter within each node, (d−1)(α_i + (n/d)β_i) + ((d−1)/d)nγ;
/// then each rank allreduces its n/d bytes with its peers on the other nodes, the d such
/// allreduces of a node at once over its NIC: the algorithm's terms for N ranks and n/d bytes
/// priced with α_e and d·β_e (ring: 2(N−1)α_e + 2((N−1)/N)·n·β_e, n bytes per node); then a
/// ring allgather within each node, (d−1)(α_i + (n/d)β_i).
///
/// With N = 1 only the link within the node is used, with d = 1 only the network; there both
/// schedules are the flat one.
public struct NodeAllreducePricing: Sendable, Equatable {
  /// α and β of one link.
  public struct LinkCost: Sendable, Equatable {
    public var alphaS: Double
    public var betaSPerByte: Double

    public init(alphaS: Double, betaSPerByte: Double) {
      self.alphaS = alphaS
      self.betaSPerByte = betaSPerByte
    }

    public init(_ link: SystemDescription.Link) {
      self.init(alphaS: link.latencyS, betaSPerByte: 1 / link.bytesPerS)
    }

    /// One message of `bytes` sharing the link with `flows − 1` others.
    func seconds(bytes: Double, flows: Int) -> Double { alphaS + bytes * betaSPerByte * Double(flows) }
  }

  /// Which schedule a price is for.
  public enum Schedule: String, Sendable, Codable, CaseIterable {
    case flat
    case hierarchical
  }

  public var algorithm: AllreduceKind
  public var nodes: Int
  public var devicesPerNode: Int
  public var intra: LinkCost
  public var inter: LinkCost
  public var gammaSPerByte: Double
  /// The flat schedule's rounds with where their messages go, found once: they depend on the
  /// ranks' placement, not on the bytes.
  let placedRounds: [PlacedRound]

  public init(
    algorithm: AllreduceKind, nodes: Int, devicesPerNode: Int, intra: LinkCost, inter: LinkCost,
    gammaSPerByte: Double
  ) {
    precondition(nodes >= 1 && devicesPerNode >= 1, "pricing: \(nodes) nodes × \(devicesPerNode)")
    self.algorithm = algorithm
    self.nodes = nodes
    self.devicesPerNode = devicesPerNode
    self.intra = intra
    self.inter = inter
    self.gammaSPerByte = gammaSPerByte
    let ranks = nodes * devicesPerNode
    placedRounds = Self.rounds(algorithm, ranks: ranks, devicesPerNode: devicesPerNode).map {
      Self.place($0, ranks: ranks, devicesPerNode: devicesPerNode)
    }
  }

  var ranks: Int { nodes * devicesPerNode }

  /// The cheaper schedule for `bytes` and its seconds (flat on a tie).
  public func best(bytes: Int) -> (seconds: Double, schedule: Schedule) {
    let flat = flatSeconds(bytes: bytes)
    guard nodes > 1, devicesPerNode > 1 else { return (flat, .flat) }
    let hierarchical = hierarchicalSeconds(bytes: bytes)
    return hierarchical < flat ? (hierarchical, .hierarchical) : (flat, .flat)
  }

  /// The algorithm's rounds over all ranks, each paying its slowest link.
  public func flatSeconds(bytes: Int) -> Double {
    let n = Double(bytes)
    var total = 0.0
    for round in placedRounds {
      let message = round.share * n
      var seconds = round.inside ? intra.seconds(bytes: message, flows: 1) : 0
      if round.leaving > 0 { seconds = max(seconds, inter.seconds(bytes: message, flows: round.leaving)) }
      total += Double(round.repeats) * (seconds + round.reducedShare * n * gammaSPerByte)
    }
    return total
  }

  /// Reduce-scatter within nodes, allreduce of n/d per rank across nodes, allgather within nodes.
  public func hierarchicalSeconds(bytes: Int) -> Double {
    let n = Double(bytes)
    let d = Double(devicesPerNode)
    let within = (d - 1) * intra.seconds(bytes: n / d, flows: 1)
    let reduceScatter = within + (d - 1) / d * n * gammaSPerByte
    let across =
      (algorithm == .hierarchical ? .ring : algorithm)
      .modelledCost(ranks: nodes, bytes: Int((n / d).rounded(.up)))
      .time(alpha: inter.alphaS, beta: inter.betaSPerByte * d, gamma: gammaSPerByte)
    return reduceScatter + across + within
  }

  /// One round of a schedule: every rank r with a partner sends `bytes` (`share` of the n
  /// bytes) to it at once, and the receiver reduces `reducedBytes` of them.
  struct Round {
    var repeats: Int
    var bytes: Double
    var reducedBytes: Double
    var partner: (Int) -> Int?
  }

  /// A round with its messages placed: whether one stays inside a node, and the most that
  /// leave one node at once. It costs max(α_i + m·β_i if inside, α_e + m·f·β_e if f > 0).
  struct PlacedRound: Sendable, Equatable {
    var repeats: Int
    var share: Double
    var reducedShare: Double
    var inside: Bool
    var leaving: Int
  }

  static func place(_ round: Round, ranks: Int, devicesPerNode: Int) -> PlacedRound {
    var inside = false
    var leaving = [Int](repeating: 0, count: (ranks + devicesPerNode - 1) / devicesPerNode)
    for rank in 0..<ranks {
      guard let partner = round.partner(rank), partner >= 0, partner < ranks, partner != rank else { continue }
      let node = rank / devicesPerNode
      if partner / devicesPerNode == node {
        inside = true
      } else {
        leaving[node] += 1
      }
    }
    return PlacedRound(
      repeats: round.repeats, share: round.bytes, reducedShare: round.reducedBytes, inside: inside,
      leaving: leaving.max() ?? 0)
  }

  /// The rounds of the algorithm's schedule (`AllreduceKind.cost` counts the same messages),
  /// for n = 1 byte: each round's bytes are its share of n.
  static func rounds(_ algorithm: AllreduceKind, ranks p: Int, devicesPerNode: Int) -> [Round] {
    let n = 1.0
    guard p > 1 else { return [] }
    switch algorithm {
    case .ring, .mpi:
      let share = n / Double(p)
      let next: (Int) -> Int? = { ($0 + 1) % p }
      return [
        Round(repeats: p - 1, bytes: share, reducedBytes: share, partner: next),
        Round(repeats: p - 1, bytes: share, reducedBytes: 0, partner: next),
      ]
    case .recursiveDoubling:
      let participants = RankArithmetic.largestPowerOfTwo(atMost: p)
      var rounds = foldIn(p, n)
      var distance = 1
      while distance < participants {
        let step = distance
        rounds.append(
          Round(repeats: 1, bytes: n, reducedBytes: n, partner: { $0 < participants ? $0 ^ step : nil }))
        distance *= 2
      }
      return rounds + foldOut(p, n)
    case .rabenseifner:
      let participants = RankArithmetic.largestPowerOfTwo(atMost: p)
      var halving: [Round] = []
      var doubling: [Round] = []
      var distance = participants / 2
      while distance >= 1 {
        let step = distance
        let bytes = n * Double(step) / Double(participants)
        let partner: (Int) -> Int? = { $0 < participants ? $0 ^ step : nil }
        halving.append(Round(repeats: 1, bytes: bytes, reducedBytes: bytes, partner: partner))
        doubling.insert(Round(repeats: 1, bytes: bytes, reducedBytes: 0, partner: partner), at: 0)
        distance /= 2
      }
      return foldIn(p, n) + halving + doubling + foldOut(p, n)
    case .binomial:
      var reduce: [Round] = []
      var broadcast: [Round] = []
      var distance = 1
      while distance < p {
        let step = distance
        reduce.append(
          Round(
            repeats: 1, bytes: n, reducedBytes: n,
            partner: { $0 % (2 * step) == step ? $0 - step : nil }))
        broadcast.insert(
          Round(repeats: 1, bytes: n, reducedBytes: 0, partner: { $0 % (2 * step) == 0 ? $0 + step : nil }), at: 0)
        distance *= 2
      }
      return reduce + broadcast
    case .hierarchical:
      // dlscale's schedule: a ring within each node (n/d per message), then d rings of n/(dN)
      // per message across the nodes at once (rank r sends to r + d: d messages leave each
      // node), then the ring's allgather within each node.
      let d = devicesPerNode
      let nodes = p / d
      let withinShare = n / Double(d)
      let acrossShare = withinShare / Double(nodes)
      let nextInNode: (Int) -> Int? = { $0 - $0 % d + ($0 % d + 1) % d }
      let nextNode: (Int) -> Int? = { ($0 + d) % p }
      var rounds: [Round] = []
      if d > 1 {
        rounds.append(Round(repeats: d - 1, bytes: withinShare, reducedBytes: withinShare, partner: nextInNode))
      }
      if nodes > 1 {
        rounds.append(Round(repeats: nodes - 1, bytes: acrossShare, reducedBytes: acrossShare, partner: nextNode))
        rounds.append(Round(repeats: nodes - 1, bytes: acrossShare, reducedBytes: 0, partner: nextNode))
      }
      if d > 1 { rounds.append(Round(repeats: d - 1, bytes: withinShare, reducedBytes: 0, partner: nextInNode)) }
      return rounds
    }
  }

  /// The p − p′ extra ranks send their n bytes to rank r − p′ (reduced there) …
  private static func foldIn(_ p: Int, _ n: Double) -> [Round] {
    let participants = RankArithmetic.largestPowerOfTwo(atMost: p)
    guard p != participants else { return [] }
    return [Round(repeats: 1, bytes: n, reducedBytes: n, partner: { $0 >= participants ? $0 - participants : nil })]
  }

  /// … and get the result back.
  private static func foldOut(_ p: Int, _ n: Double) -> [Round] {
    let participants = RankArithmetic.largestPowerOfTwo(atMost: p)
    guard p != participants else { return [] }
    return [
      Round(
        repeats: 1, bytes: n, reducedBytes: 0, partner: { $0 < p - participants ? $0 + participants : nil })
    ]
  }
}
