import Foundation

/// The features the compute regression reads from a kernel: log FLOPs and log bytes moved; the
/// log of the shape's dimensions (batch n, input channels c, input positions h·w, kernel area k·kw,
/// stride s, output channels o, output positions oh·ow, groups g); the log of the GEMM the layer
/// runs (m × n × k: for a convolution o/g × oh·ow × c/g·k·kw, per image; for a fully connected
/// layer batch × o × c·h·w; 1 otherwise); then one-hot op and pass. The numeric columns are
/// standardised with the training set's mean and standard deviation; the one-hot columns stay 0
/// or 1, so that an op never measured is no closer to one op than to another.
public struct KernelFeatures: Codable, Sendable, Equatable {
  public var ops: [String]
  public var passes: [String]
  public var means: [Double]
  public var deviations: [Double]

  /// Learns the op and pass vocabularies and the column statistics from training samples.
  public init(training samples: [KernelSample]) {
    ops = Set(samples.map(\.op)).sorted()
    passes = Set(samples.map(\.pass)).sorted()
    means = []
    deviations = []
    let raw = samples.map(numericFeatures)
    let width = raw.first?.count ?? 0
    for column in 0..<width {
      let values = raw.map { $0[column] }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
      means.append(mean)
      deviations.append(variance > 1e-24 ? variance.squareRoot() : 1)
    }
  }

  /// The GEMM dimensions (m, n, k) a layer runs per call, 1 × 1 × 1 for layers without one.
  static func gemm(_ sample: KernelSample, _ dimensions: [String: Double]) -> [Double] {
    func value(_ key: String) -> Double { dimensions[key] ?? 1 }
    switch sample.op {
    case "conv", "convolution":
      let groups = value("g")
      return [
        value("o") / groups, value("oh") * value("ow"), value("c") / groups * value("k") * kernelWidth(dimensions),
      ]
    case "fc", "fully_connected":
      return [value("n"), value("o"), value("c") * value("h") * value("w")]
    default:
      return [1, 1, 1]
    }
  }

  /// The kernel's width: `kw`, else square (`k`).
  static func kernelWidth(_ dimensions: [String: Double]) -> Double { dimensions["kw"] ?? dimensions["k"] ?? 1 }

  func numericFeatures(_ sample: KernelSample) -> [Double] {
    let dimensions = sample.dimensions
    func value(_ key: String) -> Double { dimensions[key] ?? 1 }
    let kernelArea = value("k") * Self.kernelWidth(dimensions)
    let input = [value("n"), value("c"), value("h") * value("w")]
    let shape = input + [kernelArea, value("s"), value("o"), value("oh") * value("ow"), value("g")]
    let work = [sample.flops + 1, sample.bytesMoved + 1]
    return (work + (shape + Self.gemm(sample, dimensions)).map { max($0, 1) }).map(Foundation.log)
  }

  /// The feature row of a sample: standardised numeric columns, then one-hot op and pass.
  public func features(_ sample: KernelSample) -> [Double] {
    zip(numericFeatures(sample), zip(means, deviations)).map { ($0 - $1.0) / $1.1 }
      + ops.map { $0 == sample.op ? 1 : 0 } + passes.map { $0 == sample.pass ? 1 : 0 }
  }
}
