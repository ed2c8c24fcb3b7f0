/// A roofline per operation and pass: each op (`conv` forward, `relu` backward, …) reaches its
/// own fraction of the machine's peak FLOP rate and bandwidth, so each gets its own
/// `RooflineModel`, fitted to that op's samples alone; an op with fewer than two samples, or
/// whose fit fails, is priced by the roofline of all samples.
///
/// `OperationTimeLaw` prices with it the ops it has too few samples of a law for, and reads the
/// machine balance from its roofline of all samples.
public struct OperationRoofline: Codable, Sendable, Equatable {
  /// The fitted rooflines by `op|pass` key.
  public var operations: [String: RooflineModel]
  /// The roofline of all samples, for ops not measured.
  public var overall: RooflineModel

  public static func key(op: String, pass: String) -> String { "\(op)|\(pass)" }

  public static func fit(_ samples: [KernelSample]) throws -> OperationRoofline {
    let overall = try RooflineModel.fit(samples)
    var operations: [String: RooflineModel] = [:]
    let byOperation = Dictionary(grouping: samples) { key(op: $0.op, pass: $0.pass) }
    for (name, own) in byOperation where own.count >= 2 {
      operations[name] = try? RooflineModel.fit(own)
    }
    return OperationRoofline(operations: operations, overall: overall)
  }

  /// The roofline that prices a sample's op and pass.
  public func roofline(for sample: KernelSample) -> RooflineModel {
    operations[Self.key(op: sample.op, pass: sample.pass)] ?? overall
  }

  /// The predicted time, floored at a picosecond so that its logarithm is finite.
  public func seconds(_ sample: KernelSample) -> Double {
    max(roofline(for: sample).seconds(flops: sample.flops, bytes: sample.bytesMoved), 1e-12)
  }
}
