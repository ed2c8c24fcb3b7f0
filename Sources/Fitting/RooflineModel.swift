/// The roofline baseline: time = max(flops / peak, bytes / bandwidth).
///
/// Fitted from kernel samples by alternating: each sample is assigned to the roof that bounds it
/// under the current estimate, then 1/peak (and 1/bandwidth) is the least-squares slope through
/// the origin of time against flops (bytes) over its samples, weighted by 1/time (relative
/// error); repeated until the assignment settles. Starts from the best attained rates.
public struct RooflineModel: Codable, Sendable, Equatable {
  public var peakFlopsPerS: Double
  public var bandwidthBytesPerS: Double

  public init(peakFlopsPerS: Double, bandwidthBytesPerS: Double) {
    self.peakFlopsPerS = peakFlopsPerS
    self.bandwidthBytesPerS = bandwidthBytesPerS
  }

  public func seconds(flops: Double, bytes: Double) -> Double {
    max(flops / peakFlopsPerS, bytes / bandwidthBytesPerS)
  }

  public static func fit(_ samples: [KernelSample]) throws -> RooflineModel {
    let name = "roofline"
    guard samples.count >= 2 else { throw FittingError.tooFewPoints(model: name, needed: 2, found: samples.count) }
    guard let bestFlops = samples.map({ $0.flops / $0.seconds }).max(),
      let bestBytes = samples.map({ $0.bytesMoved / $0.seconds }).max(), bestFlops > 0 || bestBytes > 0
    else { throw FittingError.invalidPoint(model: name, detail: "needs samples with FLOPs or bytes moved") }
    // Kernels that do no arithmetic (a concatenation) or move nothing have no roof of that kind.
    var model = RooflineModel(
      peakFlopsPerS: bestFlops > 0 ? bestFlops : .greatestFiniteMagnitude,
      bandwidthBytesPerS: bestBytes > 0 ? bestBytes : .greatestFiniteMagnitude)
    for _ in 0..<20 {
      let computeBound = samples.filter { $0.flops / model.peakFlopsPerS >= $0.bytesMoved / model.bandwidthBytesPerS }
      let memoryBound = samples.filter { $0.flops / model.peakFlopsPerS < $0.bytesMoved / model.bandwidthBytesPerS }
      var next = model
      if let inverse = slope(computeBound.map { ($0.flops, $0.seconds) }), inverse > 0 {
        next.peakFlopsPerS = 1 / inverse
      }
      if let inverse = slope(memoryBound.map { ($0.bytesMoved, $0.seconds) }), inverse > 0 {
        next.bandwidthBytesPerS = 1 / inverse
      }
      if next == model { break }
      model = next
    }
    return model
  }

  /// argmin_x Σ((t − w·x)/t)² = Σ(w/t) / Σ(w/t)².
  static func slope(_ pairs: [(work: Double, seconds: Double)]) -> Double? {
    let ratios = pairs.map { $0.work / $0.seconds }
    let denominator = ratios.map { $0 * $0 }.reduce(0, +)
    guard denominator > 0 else { return nil }
    return ratios.reduce(0, +) / denominator
  }
}
