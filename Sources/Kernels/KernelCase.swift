/// One kernel microbenchmark case: a layer kind at per-sample input shapes, and its cost model
/// (FLOPs and bytes moved per pass at a batch size), plus the built-in table of shapes typical
/// of AlexNet, VGG, GoogLeNet and ResNet layers.
public struct KernelCase: Sendable {
  /// The short operation name used in records and on the command line (`conv`, `fc`, …).
  public var op: String
  public var kind: LayerKind
  public var inputs: [Shape]
  /// The names of the model's layers this case stands for (empty for the built-in table).
  public var layers: [String]

  public init(op: String, kind: LayerKind, inputs: [Shape], layers: [String] = []) {
    self.op = op
    self.kind = kind
    self.inputs = inputs
    self.layers = layers
  }

  /// Every operation name, in table order; `sgemm` is the raw GEMM of each conv and fc case,
  /// `im2col` the column transform (forward) and its adjoint col2im (backward) of each conv case.
  public static let operations = [
    "conv", "fc", "relu", "maxpool", "avgpool", "lrn", "bn", "dropout", "concat", "sum", "softmax", "sgemm", "im2col",
  ]

  /// The operation name of a layer kind.
  public static func op(of kind: LayerKind) -> String {
    switch kind {
    case .convolution: "conv"
    case .fullyConnected: "fc"
    case .relu: "relu"
    case .maxPool: "maxpool"
    case .averagePool: "avgpool"
    case .localResponseNorm: "lrn"
    case .batchNormScale: "bn"
    case .dropout: "dropout"
    case .concat: "concat"
    case .sum: "sum"
    case .globalMaxPool: "globalmaxpool"
    case .softmaxCrossEntropy: "softmax"
    }
  }

  /// The output shape per sample.
  public var outputShape: Shape {
    get throws { try kind.outputShape(reading: inputs, layer: op, classes: inputs.first?.count ?? 1) }
  }

  /// A readable description: `8×[64×56×56] k3×3 s1 p1 g1 → 64×56×56`.
  public func shapeDescription(batch: Int) -> String {
    let input = inputs.map(\.description).joined(separator: " + ")
    let output = (try? outputShape.description) ?? "?"
    let details: String =
      switch kind {
      case .convolution(_, let k, let s, let p, let g, _): " k\(k.h)×\(k.w) s\(s.h)×\(s.w) p\(p.h)×\(p.w) g\(g)"
      case .maxPool(let k, let s, let p), .averagePool(let k, let s, let p): " k\(k) s\(s) p\(p)"
      case .localResponseNorm(let size, _, _, _): " n\(size)"
      case .dropout(let ratio): " p\(ratio)"
      default: ""
      }
    return "\(batch)×[\(input)]\(details) → \(output)"
  }

  /// Multiply-adds count two FLOPs; comparisons, exponentials and divisions count one.
  public func flops(batch: Int, backward: Bool) throws -> Double {
    let output = try outputShape
    let n = Double(batch)
    let inputCount = Double(inputs.reduce(0) { $0 + $1.count })
    let outputCount = Double(output.count)
    switch kind {
    case .convolution(_, let kernel, _, _, let groups, _):
      let forward = 2 * n * outputCount * Double(inputs[0].channels / groups * kernel.h * kernel.w)
      return backward ? 2 * forward : forward
    case .fullyConnected:
      let forward = 2 * n * outputCount * inputCount
      return backward ? 2 * forward : forward
    case .maxPool(let kernel, _, _), .averagePool(let kernel, _, _):
      return n * outputCount * (backward ? 1 : Double(kernel * kernel))
    case .globalMaxPool:
      return backward ? n * outputCount : n * inputCount
    case .localResponseNorm(let size, _, _, _):
      return n * inputCount * (backward ? Double(size) + 8 : 2 * Double(size) + 4)
    case .batchNormScale:
      return n * inputCount * (backward ? 8 : 6)
    case .relu, .dropout:
      return n * inputCount
    case .concat:
      return 0
    case .sum:
      return n * outputCount * Double(inputs.count - 1)
    case .softmaxCrossEntropy:
      return n * inputCount * (backward ? 2 : 4)
    }
  }

  /// Bytes each pass must at least read and write: activations (and their gradients backward)
  /// and parameters (and their gradients backward), as float32.
  public func bytesMoved(batch: Int, backward: Bool) throws -> Double {
    let output = try outputShape
    let n = Double(batch)
    let inputCount = n * Double(inputs.reduce(0) { $0 + $1.count })
    let outputCount = n * Double(output.count)
    var parameters = 0.0
    switch kind {
    case .convolution(let outputs, let kernel, _, _, let groups, let bias):
      parameters = Double(outputs * inputs[0].channels / groups * kernel.h * kernel.w + (bias ? outputs : 0))
    case .fullyConnected(let outputs, let bias):
      parameters = Double(outputs * inputs[0].count + (bias ? outputs : 0))
    case .batchNormScale:
      parameters = Double(2 * inputs[0].channels)
    default: break
    }
    let elements = backward ? 2 * inputCount + outputCount + 2 * parameters : inputCount + outputCount + parameters
    return 4 * elements
  }

  /// Shapes typical of the reference models' layers.
  public static let builtIn: [KernelCase] = {
    func conv(_ input: Shape, _ outputs: Int, _ k: Int, _ s: Int, _ p: Int, groups: Int = 1) -> KernelCase {
      KernelCase(
        op: "conv",
        kind: .convolution(
          outputs: outputs, kernel: Extent(k), stride: Extent(s), padding: Extent(p), groups: groups, bias: true),
        inputs: [input])
    }
    return [
      conv(Shape(3, 227, 227), 96, 11, 4, 0),  // AlexNet conv1
      conv(Shape(96, 27, 27), 256, 5, 1, 2, groups: 2),  // AlexNet conv2
      conv(Shape(256, 13, 13), 384, 3, 1, 1),  // AlexNet conv3
      conv(Shape(512, 28, 28), 512, 3, 1, 1),  // VGG-16 conv4_2
      conv(Shape(3, 224, 224), 64, 7, 2, 3),  // ResNet conv1
      conv(Shape(64, 56, 56), 64, 3, 1, 1),  // ResNet res2 3×3
      conv(Shape(64, 56, 56), 256, 1, 1, 0),  // ResNet res2 1×1 expand
      conv(Shape(256, 56, 56), 512, 1, 2, 0),  // ResNet res3 projection (1×1 stride 2)
      conv(Shape(1024, 14, 14), 256, 1, 1, 0),  // ResNet res4 1×1 reduce
      conv(Shape(512, 7, 7), 512, 3, 1, 1),  // ResNet res5 3×3
      // AlexNet fc6
      KernelCase(op: "fc", kind: .fullyConnected(outputs: 4096, bias: true), inputs: [Shape(256, 6, 6)]),
      KernelCase(op: "fc", kind: .fullyConnected(outputs: 4096, bias: true), inputs: [Shape(4096, 1, 1)]),  // fc7
      KernelCase(op: "fc", kind: .fullyConnected(outputs: 1000, bias: true), inputs: [Shape(2048, 1, 1)]),  // ResNet fc
      KernelCase(op: "relu", kind: .relu, inputs: [Shape(64, 112, 112)]),
      KernelCase(op: "relu", kind: .relu, inputs: [Shape(256, 56, 56)]),
      KernelCase(op: "maxpool", kind: .maxPool(kernel: 3, stride: 2, padding: 0), inputs: [Shape(96, 55, 55)]),
      KernelCase(op: "maxpool", kind: .maxPool(kernel: 3, stride: 2, padding: 1), inputs: [Shape(64, 112, 112)]),
      KernelCase(op: "avgpool", kind: .averagePool(kernel: 7, stride: 1, padding: 0), inputs: [Shape(2048, 7, 7)]),
      KernelCase(op: "avgpool", kind: .averagePool(kernel: 3, stride: 1, padding: 1), inputs: [Shape(192, 28, 28)]),
      KernelCase(
        op: "lrn", kind: .localResponseNorm(size: 5, alpha: 1e-4, beta: 0.75, k: 1), inputs: [Shape(96, 55, 55)]),
      KernelCase(
        op: "lrn", kind: .localResponseNorm(size: 5, alpha: 1e-4, beta: 0.75, k: 1), inputs: [Shape(256, 27, 27)]),
      KernelCase(op: "bn", kind: .batchNormScale, inputs: [Shape(64, 112, 112)]),
      KernelCase(op: "bn", kind: .batchNormScale, inputs: [Shape(256, 56, 56)]),
      KernelCase(op: "bn", kind: .batchNormScale, inputs: [Shape(2048, 7, 7)]),
      KernelCase(op: "dropout", kind: .dropout(ratio: 0.5), inputs: [Shape(4096, 1, 1)]),
      KernelCase(
        op: "concat", kind: .concat,
        inputs: [Shape(64, 28, 28), Shape(128, 28, 28), Shape(32, 28, 28), Shape(32, 28, 28)]),
      KernelCase(op: "sum", kind: .sum, inputs: [Shape(256, 56, 56), Shape(256, 56, 56)]),
      KernelCase(op: "softmax", kind: .softmaxCrossEntropy, inputs: [Shape(1000, 1, 1)]),
    ]
  }()

  /// One case per distinct (kind, inputs) of a spec's layers, in spec order, each naming the
  /// layers it stands for.
  public static func cases(from spec: ModelSpec) throws -> [KernelCase] {
    var positions: [String: Int] = [:]
    var cases: [KernelCase] = []
    for shaped in try spec.shapedLayers() {
      let layer = shaped.layer
      let key = "\(layer.kind)|\(shaped.inputShapes)"
      if let position = positions[key] {
        cases[position].layers.append(layer.name)
      } else {
        positions[key] = cases.count
        cases.append(
          KernelCase(op: op(of: layer.kind), kind: layer.kind, inputs: shaped.inputShapes, layers: [layer.name]))
      }
    }
    return cases
  }
}
