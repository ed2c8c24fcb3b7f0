/// The fully connected reference models: the English acoustic model, DeepMNIST and SensorNet.
/// Their inputs are feature vectors, written as Shape(features, 1, 1).
///
/// - Acoustic model (hybrid HMM-DNN): 540 → 2048 ×5 → 8192 output states; 34,678,784 parameters.
/// - DeepMNIST: 784 → 2500 → 2000 → 1500 → 1000 → 500 → 10; 11,972,510 parameters.
/// - SensorNet: 784 → 1024 → 1024 → 1024 → 16; 2,919,440 parameters.
/// Every layer has a bias and all but the last are followed by ReLU.
enum FullyConnectedModels {
  static func acoustic() -> ModelSpec {
    multilayerPerceptron(
      name: "acoustic", inputs: 540, hidden: Array(repeating: 2048, count: 5), classes: 8192)
  }

  static func deepMNIST() -> ModelSpec {
    multilayerPerceptron(
      name: "deepmnist", inputs: 784, hidden: [2500, 2000, 1500, 1000, 500], classes: 10)
  }

  static func sensorNet() -> ModelSpec {
    multilayerPerceptron(name: "sensornet", inputs: 784, hidden: [1024, 1024, 1024], classes: 16)
  }

  /// Fully connected layers of the `hidden` widths, each followed by ReLU, then one to `classes`.
  static func multilayerPerceptron(name: String, inputs: Int, hidden: [Int], classes: Int)
    -> ModelSpec
  {
    var net = SpecBuilder()
    for (index, width) in hidden.enumerated() {
      net.fullyConnected("fc\(index + 1)", outputs: width)
      net.relu("relu\(index + 1)")
    }
    net.fullyConnected("fc\(hidden.count + 1)", outputs: classes)
    return net.finished(name: name, input: Shape(inputs, 1, 1), classes: classes)
  }
}
