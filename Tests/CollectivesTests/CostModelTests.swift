import Testing

@testable import Collectives

/// The algorithms' cost terms against the formulas of Thakur, Rabenseifner and Gropp (2005) and
/// the lower bound 2((p−1)/p)nβ of any allreduce. All terms are small integers times n or
/// exact binary fractions of n, so they compare exactly.
struct CostModelTests {
  static let mebibyte = 1 << 20

  @Test func ringAtFourRanksAndOneMebibyte() {
    let n = Double(Self.mebibyte)
    #expect(RingAllreduce().cost(ranks: 4, bytes: Self.mebibyte) == CostTerms(alpha: 6, beta: 1.5 * n, gamma: 0.75 * n))
  }

  @Test func recursiveDoublingAtPowersOfTwoAndBetween() {
    let n = Double(Self.mebibyte)
    let algorithm = RecursiveDoublingAllreduce()
    #expect(algorithm.cost(ranks: 8, bytes: Self.mebibyte) == CostTerms(alpha: 3, beta: 3 * n, gamma: 3 * n))
    // p = 5: ⌈lg 5⌉ = 3 reducing steps (fold in + 2 rounds) and one more α + nβ to fold out.
    #expect(algorithm.cost(ranks: 5, bytes: Self.mebibyte) == CostTerms(alpha: 4, beta: 4 * n, gamma: 3 * n))
  }

  @Test func rabenseifnerAtPowersOfTwoAndBetween() {
    let n = Double(Self.mebibyte)
    let algorithm = RabenseifnerAllreduce()
    #expect(algorithm.cost(ranks: 4, bytes: Self.mebibyte) == CostTerms(alpha: 4, beta: 1.5 * n, gamma: 0.75 * n))
    // p = 6: p′ = 4 plus the fold (α + nβ + nγ in, α + nβ out).
    #expect(
      algorithm.cost(ranks: 6, bytes: Self.mebibyte) == CostTerms(alpha: 6, beta: 3.5 * n, gamma: 1.75 * n))
  }

  @Test func binomialUsesTheCeilingOfTheLogarithm() {
    let n = Double(Self.mebibyte)
    let algorithm = BinomialAllreduce()
    #expect(algorithm.cost(ranks: 4, bytes: Self.mebibyte) == CostTerms(alpha: 4, beta: 4 * n, gamma: 2 * n))
    #expect(algorithm.cost(ranks: 5, bytes: Self.mebibyte) == CostTerms(alpha: 6, beta: 6 * n, gamma: 3 * n))
  }

  @Test func hierarchicalIsARingAmongNodesPlusTreesInside() {
    let n = Double(Self.mebibyte)
    // One rank per node: exactly the ring.
    #expect(
      HierarchicalAllreduce().cost(ranks: 4, bytes: Self.mebibyte)
        == RingAllreduce().cost(ranks: 4, bytes: Self.mebibyte))
    // 8 ranks, 4 per node: 2 rounds of reduce and broadcast inside, a ring of 2 nodes.
    let twoNodes = HierarchicalAllreduce(ranksPerNode: 4).cost(ranks: 8, bytes: Self.mebibyte)
    #expect(twoNodes == CostTerms(alpha: 4 + 2, beta: 4 * n + n, gamma: 2 * n + 0.5 * n))
  }

  @Test(arguments: 1...17)
  func bandwidthOptimalAlgorithmsRespectTheLowerBound(ranks: Int) throws {
    let bytes = 3 * Self.mebibyte
    let bound = 2 * Double(ranks - 1) / Double(ranks) * Double(bytes)
    let ring = try #require(RingAllreduce().cost(ranks: ranks, bytes: bytes))
    let rabenseifner = try #require(RabenseifnerAllreduce().cost(ranks: ranks, bytes: bytes))
    // Relative slack of a few ulps for the division in (p−1)/p.
    let slack = bound * 4 * Double.ulpOfOne
    #expect(abs(ring.beta - bound) <= slack, "ring β \(ring.beta) vs bound \(bound)")
    #expect(rabenseifner.beta >= bound - slack, "rabenseifner β \(rabenseifner.beta) below bound \(bound)")
    if ranks & (ranks - 1) == 0 {
      #expect(abs(rabenseifner.beta - bound) <= slack, "rabenseifner β \(rabenseifner.beta) vs bound \(bound)")
    }
    for name in ["recursive-doubling", "binomial", "hierarchical"] {
      let terms = try #require(AllreduceAlgorithms.named(name)?.cost(ranks: ranks, bytes: bytes))
      #expect(terms.beta >= bound - slack, "\(name) β \(terms.beta) below bound \(bound)")
    }
  }

  @Test(arguments: 1...17)
  func singleRankCostsNothing(ranks: Int) throws {
    guard ranks == 1 else {
      let terms = try #require(RingAllreduce().cost(ranks: ranks, bytes: 1))
      #expect(terms.alpha == Double(2 * (ranks - 1)))
      return
    }
    for name in AllreduceAlgorithms.names where name != "mpi" {
      let terms = try #require(AllreduceAlgorithms.named(name)?.cost(ranks: 1, bytes: Self.mebibyte))
      #expect(terms == CostTerms(alpha: 0, beta: 0, gamma: 0), "\(name) at one rank: \(terms)")
    }
  }

  @Test func registryKnowsEveryAlgorithmByItsName() throws {
    #expect(
      AllreduceAlgorithms.names == ["mpi", "ring", "recursive-doubling", "rabenseifner", "binomial", "hierarchical"])
    for name in AllreduceAlgorithms.names {
      #expect(try #require(AllreduceAlgorithms.named(name)).name == name)
    }
    #expect(AllreduceAlgorithms.named("butterfly") == nil)
  }
}
