import Measurements

/// One timed kernel: an operation on a shape, its work and its time.
///
/// `shape` is either a loose list of `key=value` integers (`n=8 c=64 h=56 w=56 k=3 s=1 o=64`)
/// or the description `dlscale kernels` writes (`8×[64×56×56] k3×3 s1×1 p1×1 g1 → 64×56×56`);
/// `KernelShape` reads both. `op` is a free name (`conv`, `fc`, `relu`, `maxpool`, …) and `pass`
/// is `forward` or `backward`. `LayerWorkload` writes the same ops and shapes for the layers of a
/// zoo model, so that a model fitted on measured layers prices a model's step.
public struct KernelSample: Sendable, Equatable {
  public var op: String
  public var shape: String
  public var pass: String
  public var flops: Double
  public var bytesMoved: Double
  public var seconds: Double
  /// What leave-one-out holds out together: the record's model, else its shape.
  public var group: String
  /// The model whose layers the kernel is, if the record says.
  public var model: String?
  /// How many of the model's layers the kernel stands for (weights the sum over a step).
  public var layerCount: Int

  public init(
    op: String, shape: String, pass: String = "forward", flops: Double, bytesMoved: Double,
    seconds: Double, group: String? = nil, model: String? = nil, layerCount: Int = 1
  ) {
    self.op = op
    self.shape = shape
    self.pass = pass
    self.flops = flops
    self.bytesMoved = bytesMoved
    self.seconds = seconds
    self.model = model
    self.group = group ?? model ?? shape
    self.layerCount = layerCount
  }

  /// The usable kernel records (positive time, work not negative). A kernel's time is its
  /// fastest timed repetition (`time_us.min`, else the mean): on a shared machine other work only
  /// ever adds time. The same kernel (model, op, pass, shape) measured in several records is one
  /// sample with the fastest of their times.
  public static func from(_ records: [Record]) -> [KernelSample] {
    var samples: [KernelSample] = []
    var positions: [String: Int] = [:]
    for record in records {
      guard record.kind == .kernel, let op = record.op, let time = record.timeUs.map({ $0.min > 0 ? $0.min : $0.mean }),
        time > 0, time.isFinite, let flops = record.flops, flops >= 0, flops.isFinite
      else { continue }
      let bytes = record.bytesMoved ?? 0
      guard bytes >= 0, bytes.isFinite else { continue }
      let sample = KernelSample(
        op: op, shape: record.shape ?? "", pass: record.pass ?? "forward", flops: flops, bytesMoved: bytes,
        seconds: time * 1e-6, model: record.model, layerCount: max(record.layers?.count ?? 1, 1))
      let key = [sample.model ?? "", op, sample.pass, sample.shape].joined(separator: "|")
      if let position = positions[key] {
        samples[position].seconds = min(samples[position].seconds, sample.seconds)
      } else {
        positions[key] = samples.count
        samples.append(sample)
      }
    }
    return samples
  }

  /// The shape's dimensions (see `KernelShape`).
  public var dimensions: [String: Double] { KernelShape.dimensions(shape) }

  /// The batch size from the shape (`n`), 1 when it does not say.
  public var batch: Int { Int(dimensions["n"] ?? 1) }
}
