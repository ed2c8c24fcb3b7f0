import Collectives

/// Inputs with known allreduce results, and checks of an allreduce's output against them, for
/// `dlscale-agent verify`.
enum VerificationInputs {
  /// Integer-valued input whose sum is exact in Float and Double: rank r, element i holds
  /// (r + 1)(i mod 7 + 1).
  static func exact<T: MPIFloatingPoint>(rank: Int, count: Int) -> [T] {
    (0..<count).map { T((rank + 1) * ($0 % 7 + 1)) }
  }

  /// The exact sum over `ranks` ranks of `exact(rank:count:)` at element `index`.
  static func exactSum<T: MPIFloatingPoint>(ranks: Int, index: Int) -> T {
    T((index % 7 + 1) * ranks * (ranks + 1) / 2)
  }

  /// A pseudo-random value in [−1, 1) for rank r, element i: full-precision mantissas, so that
  /// sums round and their order shows in the bits.
  static func rounding<T: MPIFloatingPoint>(rank: Int, index: Int) -> T {
    var z = UInt64(truncatingIfNeeded: rank) &<< 40 ^ UInt64(truncatingIfNeeded: index) &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return T(Double(z >> 11) * 0x1p-52 - 1)
  }

  static func rounding<T: MPIFloatingPoint>(rank: Int, count: Int) -> [T] {
    (0..<count).map { rounding(rank: rank, index: $0) }
  }

  /// The first element of `output` that differs from the exact sum, and the number that do.
  static func exactMismatches<T: MPIFloatingPoint>(in output: [T], ranks: Int) -> (count: Int, first: String?) {
    var count = 0
    var first: String?
    for index in output.indices where output[index] != exactSum(ranks: ranks, index: index) as T {
      count += 1
      if first == nil {
        first = "element \(index): expected \(exactSum(ranks: ranks, index: index) as T), got \(output[index])"
      }
    }
    return (count, first)
  }

  /// A 64-bit FNV-1a hash of the bytes of `values`, to compare outputs across ranks bitwise.
  static func fingerprint<T: MPIFloatingPoint>(_ values: [T]) -> Int64 {
    values.withUnsafeBytes { bytes in
      var hash: UInt64 = 0xCBF2_9CE4_8422_2325
      for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
      return Int64(bitPattern: hash)
    }
  }
}

/// Arbitrary (rounding) inputs for one count and type, with the reference sum and error bound
/// of every element, computed once and shared by every algorithm checked on them.
struct RoundingCase<T: MPIFloatingPoint> {
  /// This rank's input.
  let input: [T]
  private let reference: [Double]
  private let bound: [Double]

  /// The sum of p terms in any order is within (p − 1)u·Σ|x| of the exact sum (u = ε/2); the
  /// reference, summed in Double, is within (p − 1)u_Double·Σ|x|; so the bound is
  /// (p − 1)ε·Σ|x| with ε of T.
  init(rank: Int, ranks: Int, count: Int) {
    input = VerificationInputs.rounding(rank: rank, count: count)
    var reference = [Double](repeating: 0, count: count)
    var magnitude = [Double](repeating: 0, count: count)
    for other in 0..<ranks {
      let terms: [T] = VerificationInputs.rounding(rank: other, count: count)
      for index in 0..<count {
        let term = Double(terms[index])
        reference[index] += term
        magnitude[index] += abs(term)
      }
    }
    let scale = Double(ranks - 1) * Double(T.ulpOfOne)
    self.reference = reference
    bound = magnitude.map { $0 * scale }
  }

  /// The number of elements of `output` beyond the bound.
  func errors(in output: [T]) -> Int {
    var wrong = 0
    for index in output.indices where abs(Double(output[index]) - reference[index]) > bound[index] { wrong += 1 }
    return wrong
  }
}
