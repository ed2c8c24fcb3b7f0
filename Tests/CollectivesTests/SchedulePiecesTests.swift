import Measurements
import Testing

@testable import Collectives

/// The index arithmetic the algorithms' schedules share: block partitions, logarithms, the
/// power-of-two fold, and the local sum.
struct SchedulePiecesTests {
  @Test(arguments: [0, 1, 3, 7, 8, 1000, 1_048_577], [1, 2, 3, 4, 5, 8])
  func blocksCoverTheVectorAndDifferByAtMostOne(count: Int, parts: Int) {
    let blocks = BlockPartition(count: count, parts: parts)
    #expect(blocks.start(0) == 0)
    #expect(blocks.start(parts) == count)
    let sizes = (0..<parts).map { blocks.range($0).count }
    #expect(sizes.reduce(0, +) == count)
    #expect(sizes.max()! - sizes.min()! <= 1)
    #expect(sizes.max()! == blocks.largestBlock)
  }

  @Test func logarithmsOfRankCounts() {
    #expect((1...9).map(RankArithmetic.floorLog2) == [0, 1, 1, 2, 2, 2, 2, 3, 3])
    #expect((1...9).map(RankArithmetic.ceilLog2) == [0, 1, 2, 2, 3, 3, 3, 3, 4])
    #expect((1...9).map { RankArithmetic.largestPowerOfTwo(atMost: $0) } == [1, 2, 2, 4, 4, 4, 4, 8, 8])
  }

  @Test(arguments: 1...12)
  func foldGivesEachParticipantIndexToExactlyOneRank(ranks: Int) {
    let folds = (0..<ranks).map { PowerOfTwoFold(ranks: ranks, rank: $0) }
    let participants = folds.compactMap(\.participant)
    #expect(participants.sorted() == Array(0..<folds[0].participants))
    for fold in folds {
      if let index = fold.participant { #expect(fold.rank(ofParticipant: index) == fold.rank) }
    }
  }

  @Test func localSumAddsInPlaceForEitherOperand() {
    var first: [Float] = (0..<1001).map { Float($0) }
    let second: [Float] = (0..<1001).map { Float(2 * $0) }
    first.withUnsafeMutableBufferPointer { result in
      second.withUnsafeBufferPointer { LocalReduction.sum(UnsafeBufferPointer(result), $0, into: result) }
    }
    #expect(first == (0..<1001).map { Float(3 * $0) })
    // 19 Doubles: two 8-lane vectors and a scalar tail; the result is the second operand.
    var doubles: [Double] = (0..<19).map { Double($0) / 4 }
    let lower: [Double] = (0..<19).map { Double($0) * 3 }
    doubles.withUnsafeMutableBufferPointer { result in
      lower.withUnsafeBufferPointer { LocalReduction.sum($0, UnsafeBufferPointer(result), into: result) }
    }
    let expected: [Double] = (0..<19).map { (index: Int) -> Double in Double(index) * 3 + Double(index) / 4 }
    #expect(doubles == expected)
  }
}
