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

  /// The number of elements of `output` not within the rounding bound of the sum over `ranks`
  /// ranks of `rounding(rank:index:)`: the sum of p terms in any order is within
  /// (p − 1)u·Σ|x| of the exact sum (u = ε/2); the reference, summed in Double, is within
  /// (p − 1)u_Double·Σ|x|; so the bound is (p − 1)ε·Σ|x| with ε of T.
  static func roundingErrors<T: MPIFloatingPoint>(in output: [T], ranks: Int) -> Int {
    let epsilon = Double(T.ulpOfOne)
    var wrong = 0
    for index in output.indices {
      var reference = 0.0
      var magnitude = 0.0
      for rank in 0..<ranks {
        let term = Double(rounding(rank: rank, index: index) as T)
        reference += term
        magnitude += abs(term)
      }
      if abs(Double(output[index]) - reference) > Double(ranks - 1) * epsilon * magnitude { wrong += 1 }
    }
    return wrong
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
