/// Small networks for timing whole training steps against other frameworks (the
/// kernels-vs-PyTorch comparison in Benchmarks/). Not reference models: the zoo holds those.
public enum BenchmarkNetworks {
  /// Names accepted by `named(_:)`.
  public static let names = ["small-residual", "small-mlp"]

  public static func named(_ name: String) -> ModelSpec? {
    switch name {
    case "small-residual": smallResidual
    case "small-mlp": smallPerceptron
    default: nil
    }
  }

  /// A ResNet-style network on 3×32×32: a 3×3 stem, two bottleneck stages (64→256 at 32×32,
  /// 128→512 at 16×16, each with a projection shortcut), global average pooling, 10 classes.
  public static let smallResidual: ModelSpec = {
    var layers: [LayerSpec] = []
    func conv(_ name: String, _ input: String, _ outputs: Int, _ k: Int, _ s: Int, _ p: Int) {
      layers.append(
        LayerSpec(
          name: name, inputs: input.isEmpty ? [] : [input],
          kind: .convolution(
            outputs: outputs, kernel: Extent(k), stride: Extent(s), padding: Extent(p), groups: 1, bias: false)))
      layers.append(LayerSpec(name: "\(name)_bn", inputs: [name], kind: .batchNormScale))
    }
    func relu(_ name: String, _ input: String) { layers.append(LayerSpec(name: name, inputs: [input], kind: .relu)) }
    func bottleneck(_ name: String, _ input: String, width: Int, stride: Int) -> String {
      conv("\(name)_a", input, width, 1, stride, 0)
      relu("\(name)_a_relu", "\(name)_a_bn")
      conv("\(name)_b", "\(name)_a_relu", width, 3, 1, 1)
      relu("\(name)_b_relu", "\(name)_b_bn")
      conv("\(name)_c", "\(name)_b_relu", 4 * width, 1, 1, 0)
      conv("\(name)_projection", input, 4 * width, 1, stride, 0)
      layers.append(LayerSpec(name: "\(name)_sum", inputs: ["\(name)_c_bn", "\(name)_projection_bn"], kind: .sum))
      relu("\(name)_relu", "\(name)_sum")
      return "\(name)_relu"
    }
    conv("stem", "", 64, 3, 1, 1)
    relu("stem_relu", "stem_bn")
    let first = bottleneck("stage1", "stem_relu", width: 64, stride: 1)
    let second = bottleneck("stage2", first, width: 128, stride: 2)
    layers.append(LayerSpec(name: "pool", inputs: [second], kind: .averagePool(kernel: 16, stride: 1, padding: 0)))
    layers.append(LayerSpec(name: "fc", inputs: ["pool"], kind: .fullyConnected(outputs: 10, bias: true)))
    layers.append(LayerSpec(name: "loss", inputs: ["fc"], kind: .softmaxCrossEntropy))
    return ModelSpec(name: "small-residual", input: Shape(3, 32, 32), classes: 10, layers: layers)
  }()

  /// A perceptron on 3×32×32: 3072 → 1024 → 1024 → 10 with ReLUs.
  public static let smallPerceptron = ModelSpec(
    name: "small-mlp", input: Shape(3, 32, 32), classes: 10,
    layers: [
      LayerSpec(name: "fc1", inputs: [], kind: .fullyConnected(outputs: 1024, bias: true)),
      LayerSpec(name: "relu1", inputs: ["fc1"], kind: .relu),
      LayerSpec(name: "fc2", inputs: ["relu1"], kind: .fullyConnected(outputs: 1024, bias: true)),
      LayerSpec(name: "relu2", inputs: ["fc2"], kind: .relu),
      LayerSpec(name: "fc3", inputs: ["relu2"], kind: .fullyConnected(outputs: 10, bias: true)),
      LayerSpec(name: "loss", inputs: ["fc3"], kind: .softmaxCrossEntropy),
    ])
}
