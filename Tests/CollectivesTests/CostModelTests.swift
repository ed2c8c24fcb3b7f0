import Foundation
import Measurements
import Testing

@testable import Collectives

/// `AllreduceKind.cost` against what each algorithm's real schedule sends: the schedule runs
/// over a `CountingWorld` (ranks as threads, real messages, every message, byte and local sum
/// counted along the longest dependent chain) at p = 2…9 ranks, and its counts must equal the
/// formula's. The vector (2520 floats, divisible by every p ≤ 9) fits one ring segment, so the
/// ring sends one message per step, as the formula assumes.
struct CostModelTests {
  static let count = 2520
  static let bytes = count * MemoryLayout<Float>.stride

  /// The counted terms of one allreduce of `count` floats on `ranks` ranks; also checks the sum.
  static func counted(
    ranks: Int, _ algorithm: @escaping @Sendable () -> any ScheduledAllreduce
  ) throws -> CostTerms {
    try CountingWorld(ranks: ranks).run { communicator in
      var values = (0..<count).map { Float(($0 % 7) * (communicator.rank + 1)) }
      try values.withUnsafeMutableBufferPointer { try algorithm().allreduce($0, across: communicator) }
      let total = Float(ranks * (ranks + 1) / 2)
      let expected = (0..<count).map { Float($0 % 7) * total }
      guard values == expected else {
        throw CountingWorld.Failure(text: "rank \(communicator.rank) summed wrongly")
      }
    }
  }

  static func expectEqual(
    _ counted: CostTerms, _ formula: CostTerms?, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let formula else {
      Issue.record("\(label): no formula", sourceLocation: sourceLocation)
      return
    }
    // The formula's shares (p−1)/p·n are one rounding from the counted integers.
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1) }
    #expect(
      close(counted.alpha, formula.alpha) && close(counted.beta, formula.beta) && close(counted.gamma, formula.gamma),
      "\(label): schedule sends \(counted), formula says \(formula)", sourceLocation: sourceLocation)
  }

  @Test(arguments: [AllreduceKind.ring, .recursiveDoubling, .rabenseifner, .binomial], 2...9)
  func formulaCountsWhatTheScheduleSends(kind: AllreduceKind, ranks: Int) throws {
    let counted = try Self.counted(ranks: ranks) {
      AllreduceAlgorithms.make(kind) as! any ScheduledAllreduce
    }
    Self.expectEqual(counted, kind.cost(ranks: ranks, bytes: Self.bytes), "\(kind) at p = \(ranks)")
  }

  @Test(arguments: [1, 2, 3, 4], 2...9)
  func hierarchicalFormulaCountsWhatTheScheduleSends(ranksPerNode: Int, ranks: Int) throws {
    let counted = try Self.counted(ranks: ranks) {
      HierarchicalAllreduce(grouping: .consecutive(ranksPerNode: ranksPerNode), ranksPerNode: ranksPerNode)
    }
    Self.expectEqual(
      counted, AllreduceKind.hierarchical.cost(ranks: ranks, bytes: Self.bytes, ranksPerNode: ranksPerNode),
      "hierarchical, \(ranksPerNode) per node, at p = \(ranks)")
  }

  /// Where the three former copies of the formulas disagreed, the schedule decides: at p = 6
  /// Rabenseifner folds two ranks in and out around a 4-rank halving and doubling, 3.5n in β,
  /// not 2(5/6)n; recursive doubling at p = 3 folds too, 3 messages, not ⌈lg 3⌉ = 2.
  @Test func foldedSchedulesCostTheirFold() throws {
    let n = Double(Self.bytes)
    let rabenseifner = try Self.counted(ranks: 6) { RabenseifnerAllreduce() }
    #expect(rabenseifner == CostTerms(alpha: 6, beta: 3.5 * n, gamma: 1.75 * n))
    let doubling = try Self.counted(ranks: 3) { RecursiveDoublingAllreduce() }
    #expect(doubling == CostTerms(alpha: 3, beta: 3 * n, gamma: 2 * n))
  }

  @Test(arguments: 1...17)
  func bandwidthOptimalAlgorithmsRespectTheLowerBound(ranks: Int) throws {
    let bytes = 3 << 20
    let bound = 2 * Double(ranks - 1) / Double(ranks) * Double(bytes)
    let slack = bound * 4 * Double.ulpOfOne
    let ring = try #require(AllreduceKind.ring.cost(ranks: ranks, bytes: bytes))
    let rabenseifner = try #require(AllreduceKind.rabenseifner.cost(ranks: ranks, bytes: bytes))
    #expect(abs(ring.beta - bound) <= slack, "ring β \(ring.beta) vs bound \(bound)")
    if ranks & (ranks - 1) == 0 {
      #expect(abs(rabenseifner.beta - bound) <= slack, "rabenseifner β \(rabenseifner.beta) vs bound \(bound)")
    }
    for kind in AllreduceKind.allCases where kind != .mpi {
      let terms = try #require(kind.cost(ranks: ranks, bytes: bytes))
      #expect(terms.beta >= bound - slack, "\(kind) β \(terms.beta) below bound \(bound)")
    }
  }

  @Test func singleRankCostsNothingAndTheLibraryIsPricedAsRing() {
    for kind in AllreduceKind.allCases {
      #expect(kind.modelledCost(ranks: 1, bytes: Self.bytes) == .zero, "\(kind) at one rank")
    }
    #expect(AllreduceKind.mpi.cost(ranks: 4, bytes: Self.bytes) == nil)
    #expect(AllreduceKind.mpi.modelledCost(ranks: 4, bytes: 1000) == AllreduceKind.ring.cost(ranks: 4, bytes: 1000))
    #expect(
      AllreduceKind.hierarchical.modelledCost(ranks: 6, bytes: 1000) == AllreduceKind.ring.cost(ranks: 6, bytes: 1000))
  }

  @Test func registryMakesEveryKindUnderItsName() throws {
    #expect(AllreduceAlgorithms.names == AllreduceKind.allCases.map(\.rawValue))
    #expect(AlgorithmName.all == AllreduceAlgorithms.names)
    for kind in AllreduceKind.allCases {
      #expect(AllreduceAlgorithms.make(kind).kind == kind)
      #expect(try #require(AllreduceAlgorithms.named(kind.rawValue)).name == kind.rawValue)
    }
    #expect(AllreduceAlgorithms.named("butterfly") == nil)
  }
}
