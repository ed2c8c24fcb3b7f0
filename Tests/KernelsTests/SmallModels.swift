@testable import Kernels

/// Hand-built specs for tests (the reference zoo lives elsewhere).
enum SmallModels {
  /// conv → bn → relu → maxpool → fc → loss on 3×12×12 inputs.
  static let convolutional = ModelSpec(
    name: "small-conv", input: Shape(3, 12, 12), classes: 5,
    layers: [
      LayerSpec(
        name: "conv", inputs: [],
        kind: .convolution(outputs: 8, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: false)
      ),
      LayerSpec(name: "bn", inputs: ["conv"], kind: .batchNormScale),
      LayerSpec(name: "relu", inputs: ["bn"], kind: .relu),
      LayerSpec(name: "pool", inputs: ["relu"], kind: .maxPool(kernel: 3, stride: 2, padding: 0)),
      LayerSpec(name: "fc", inputs: ["pool"], kind: .fullyConnected(outputs: 5, bias: true)),
      LayerSpec(name: "loss", inputs: ["fc"], kind: .softmaxCrossEntropy),
    ])

  /// A two-hidden-layer perceptron on 1×4×4 inputs.
  static let perceptron = ModelSpec(
    name: "mlp", input: Shape(1, 4, 4), classes: 4,
    layers: [
      LayerSpec(name: "fc1", inputs: [], kind: .fullyConnected(outputs: 32, bias: true)),
      LayerSpec(name: "relu1", inputs: ["fc1"], kind: .relu),
      LayerSpec(name: "fc2", inputs: ["relu1"], kind: .fullyConnected(outputs: 32, bias: true)),
      LayerSpec(name: "relu2", inputs: ["fc2"], kind: .relu),
      LayerSpec(name: "fc3", inputs: ["relu2"], kind: .fullyConnected(outputs: 4, bias: true)),
      LayerSpec(name: "loss", inputs: ["fc3"], kind: .softmaxCrossEntropy),
    ])

  /// A branching graph without kinks: `stem` feeds two convolutions, a sum of all three, and a
  /// concat with the sum, so its gradient gathers four contributions.
  static let branching = ModelSpec(
    name: "branching", input: Shape(2, 5, 5), classes: 3,
    layers: [
      LayerSpec(
        name: "stem", inputs: [],
        kind: .convolution(outputs: 3, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: true)),
      LayerSpec(
        name: "left", inputs: ["stem"],
        kind: .convolution(outputs: 3, kernel: Extent(1), stride: Extent(1), padding: Extent(0), groups: 1, bias: false)
      ),
      LayerSpec(
        name: "right", inputs: ["stem"],
        kind: .convolution(outputs: 3, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 3, bias: true)),
      LayerSpec(name: "join", inputs: ["left", "right", "stem"], kind: .sum),
      LayerSpec(name: "stack", inputs: ["join", "stem"], kind: .concat),
      LayerSpec(name: "pool", inputs: ["stack"], kind: .averagePool(kernel: 2, stride: 2, padding: 0)),
      LayerSpec(name: "fc", inputs: ["pool"], kind: .fullyConnected(outputs: 3, bias: true)),
      LayerSpec(name: "loss", inputs: ["fc"], kind: .softmaxCrossEntropy),
    ])
}

extension SmallModels {
  /// `convolutional` with dropout after the pooling: everything a training pass changes besides
  /// the weights (batch norm's running statistics, the dropout step).
  static let statefulConvolutional: ModelSpec = {
    var spec = convolutional
    spec.name = "stateful-conv"
    let pool = spec.layers.firstIndex { $0.name == "pool" }!
    spec.layers.insert(LayerSpec(name: "drop", inputs: ["pool"], kind: .dropout(ratio: 0.5)), at: pool + 1)
    spec.layers[pool + 2].inputs = ["drop"]
    return spec
  }()
}
