/// How well the kernel models price one held-out model at one batch size, fitted without any of
/// that model's layers: the error per layer (MAPE over its kernels, forward and backward) and of
/// the step's compute, the sum over its layers (each kernel weighted by the layers it stands
/// for), for the regression and the roofline baseline.
public struct HeldOutModelError: Codable, Sendable, Equatable {
  public var model: String
  public var batch: Int
  /// Distinct kernels (layer shape × pass) measured.
  public var kernels: Int
  public var regressionMape: Double?
  public var rooflineMape: Double?
  /// Σ over the layers, forward + backward, milliseconds.
  public var measuredMs: Double
  public var predictedMs: Double
  public var rooflineMs: Double

  /// The signed error of the summed step compute, predicted / measured − 1.
  public var stepError: Double { predictedMs / measuredMs - 1 }
  public var rooflineStepError: Double { rooflineMs / measuredMs - 1 }

  /// One row per (model, batch) of the held-out predictions, in model then batch order; kernels
  /// without a model are left out.
  static func rows(
    _ samples: [KernelSample], regression: [Double?], roofline: [Double?]
  ) -> [HeldOutModelError] {
    var indices: [String: [Int]] = [:]
    for (index, sample) in samples.enumerated() where sample.model != nil {
      indices["\(sample.model!)|\(sample.batch)", default: []].append(index)
    }
    var rows: [HeldOutModelError] = []
    for own in indices.values {
      let covered = own.filter { regression[$0] != nil && roofline[$0] != nil }
      guard let first = covered.first else { continue }
      func total(_ values: (Int) -> Double) -> Double {
        covered.map { values($0) * Double(samples[$0].layerCount) }.reduce(0, +) * 1e3
      }
      func mape(_ predicted: [Double?]) -> Double? { Self.mape(covered, predicted, samples) }
      rows.append(
        HeldOutModelError(
          model: samples[first].model!, batch: samples[first].batch, kernels: covered.count,
          regressionMape: mape(regression), rooflineMape: mape(roofline), measuredMs: total { samples[$0].seconds },
          predictedMs: total { regression[$0]! }, rooflineMs: total { roofline[$0]! }))
    }
    return rows.sorted { ($0.model, $0.batch) < ($1.model, $1.batch) }
  }

  /// MAPE of the predictions of samples `indices` (all present) against their measured times.
  static func mape(_ indices: [Int], _ predicted: [Double?], _ samples: [KernelSample]) -> Double? {
    MeanAbsolutePercentageError.of(
      predicted: indices.map { predicted[$0]! }, observed: indices.map { samples[$0].seconds })
  }
}

/// How well the kernel models price one op and pass (`conv` backward, `relu` forward, …) on
/// held-out models: the MAPE over that op's kernels, each predicted without its model's layers.
public struct HeldOutOperationError: Codable, Sendable, Equatable {
  public var op: String
  public var pass: String
  public var kernels: Int
  public var regressionMape: Double?
  public var rooflineMape: Double?

  /// One row per (op, pass) with held-out predictions, in op then pass order.
  static func rows(
    _ samples: [KernelSample], regression: [Double?], roofline: [Double?]
  ) -> [HeldOutOperationError] {
    let covered = samples.indices.filter { regression[$0] != nil && roofline[$0] != nil }
    let byOperation = Dictionary(grouping: covered) {
      OperationRoofline.key(op: samples[$0].op, pass: samples[$0].pass)
    }
    return byOperation.values.map { own in
      let first = samples[own[0]]
      return HeldOutOperationError(
        op: first.op, pass: first.pass, kernels: own.count,
        regressionMape: HeldOutModelError.mape(own, regression, samples),
        rooflineMape: HeldOutModelError.mape(own, roofline, samples))
    }
    .sorted { ($0.op, $0.pass) < ($1.op, $1.pass) }
  }
}
