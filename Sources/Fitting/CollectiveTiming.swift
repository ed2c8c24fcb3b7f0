import Measurements

/// One measured allreduce point: algorithm, ranks, bytes per rank's buffer and mean time.
public struct CollectiveTiming: Sendable, Equatable {
  public var algorithm: String
  public var ranks: Int
  public var bytes: Int
  public var seconds: Double
  /// How many hosts the ranks ran on, when the record says.
  public var hosts: Int?
  /// Whether the ranks ran on one host (so when the record does not say).
  public var onOneHost: Bool { (hosts ?? 1) == 1 }

  public init(algorithm: String, ranks: Int, bytes: Int, seconds: Double, hosts: Int? = nil) {
    self.algorithm = algorithm
    self.ranks = ranks
    self.bytes = bytes
    self.seconds = seconds
    self.hosts = hosts
  }

  /// The usable allreduce records: positive time, at least one byte, validated (no wrong
  /// elements). `time_us.mean` is the mean over ranks of the per-rank means (docs/ARCHITECTURE.md,
  /// "Metrics").
  public static func from(_ records: [Record]) -> [CollectiveTiming] {
    records.compactMap { record in
      guard record.kind == .allreduce, let algorithm = record.algorithm, let ranks = record.ranks,
        let bytes = record.bytes, let time = record.timeUs?.mean, (record.wrong ?? 0) == 0,
        bytes > 0, time > 0, time.isFinite
      else { return nil }
      return CollectiveTiming(
        algorithm: algorithm, ranks: ranks, bytes: bytes, seconds: time * 1e-6, hosts: record.hosts)
    }
  }
}
