/// Algorithm and bus bandwidth as nccl-tests defines them: algbw = S / t with S the bytes of each
/// rank's buffer; busbw = algbw × f, where f makes busbw comparable to the link rate.
public enum Collective: String, Codable, Sendable, CaseIterable {
  case allreduce, allgather
  case reduceScatter = "reduce_scatter"
  case broadcast, reduce

  /// nccl-tests' bus factor for `ranks` ranks: 2(p−1)/p for allreduce, (p−1)/p for allgather
  /// and reduce-scatter, 1 for broadcast and reduce.
  public func busFactor(ranks: Int) -> Double {
    precondition(ranks >= 1)
    let p = Double(ranks)
    switch self {
    case .allreduce: return 2 * (p - 1) / p
    case .allgather, .reduceScatter: return (p - 1) / p
    case .broadcast, .reduce: return 1
    }
  }

  /// Algorithm bandwidth in GB/s (1e9 bytes/s) for `bytes` moved in `seconds`; 0 for no time.
  public static func algorithmBandwidth(bytes: Int, seconds: Double) -> Double {
    seconds > 0 ? Double(bytes) / seconds / 1e9 : 0
  }

  public func busBandwidth(bytes: Int, seconds: Double, ranks: Int) -> Double {
    Collective.algorithmBandwidth(bytes: bytes, seconds: seconds) * busFactor(ranks: ranks)
  }
}
