import Measurements

/// One timed kernel: an operation on a shape, its work and its time.
///
/// `shape` is a loose list of `key=value` integers separated by spaces (or commas), e.g.
/// `n=8 c=64 h=56 w=56 k=3 s=1 o=64`: n batch, c input channels, h and w input height and
/// width, k kernel size, s stride, o output channels (or outputs of a fully connected layer), g
/// groups. Unknown keys are ignored; missing keys count as 1. `op` is a free name
/// (`convolution`, `fully_connected`, `relu`, `max_pool`, …) and `pass` is `forward` or
/// `backward`. `LayerWorkload` writes the same format for the layers of a zoo model.
public struct KernelSample: Sendable, Equatable {
  public var op: String
  public var shape: String
  public var pass: String
  public var flops: Double
  public var bytesMoved: Double
  public var seconds: Double
  /// What leave-one-out holds out together: the record's model, else its shape.
  public var group: String

  public init(
    op: String, shape: String, pass: String = "forward", flops: Double, bytesMoved: Double,
    seconds: Double, group: String? = nil
  ) {
    self.op = op
    self.shape = shape
    self.pass = pass
    self.flops = flops
    self.bytesMoved = bytesMoved
    self.seconds = seconds
    self.group = group ?? shape
  }

  /// The usable kernel records (positive time, work not negative); time is `time_us.mean`.
  public static func from(_ records: [Record]) -> [KernelSample] {
    records.compactMap { record in
      guard record.kind == .kernel, let op = record.op, let time = record.timeUs?.mean, time > 0,
        time.isFinite, let flops = record.flops, flops >= 0, flops.isFinite
      else { return nil }
      let bytes = record.bytesMoved ?? 0
      guard bytes >= 0, bytes.isFinite else { return nil }
      return KernelSample(
        op: op, shape: record.shape ?? "", pass: record.pass ?? "forward", flops: flops,
        bytesMoved: bytes, seconds: time * 1e-6, group: record.model)
    }
  }

  /// The shape's keys and values; malformed items are skipped.
  public var dimensions: [String: Double] {
    var result: [String: Double] = [:]
    for item in shape.split(whereSeparator: { $0 == " " || $0 == "," }) {
      let parts = item.split(separator: "=", maxSplits: 1)
      guard parts.count == 2, let value = Double(parts[1]), value.isFinite, value > 0 else { continue }
      result[parts[0].lowercased()] = value
    }
    return result
  }
}
