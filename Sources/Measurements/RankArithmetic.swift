/// Integer logarithms of rank counts, as the algorithms' schedules and cost models use them.
public enum RankArithmetic {
  /// ⌊lg p⌋ for p ≥ 1.
  public static func floorLog2(_ p: Int) -> Int {
    precondition(p >= 1, "floorLog2: \(p) < 1")
    return Int.bitWidth - 1 - p.leadingZeroBitCount
  }

  /// ⌈lg p⌉ for p ≥ 1.
  public static func ceilLog2(_ p: Int) -> Int {
    p == 1 ? 0 : floorLog2(p - 1) + 1
  }

  /// The largest power of two not above p ≥ 1.
  public static func largestPowerOfTwo(atMost p: Int) -> Int {
    1 << floorLog2(p)
  }
}
