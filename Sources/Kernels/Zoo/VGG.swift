/// VGG-16 and VGG-19 (configurations D and E), input 3×224×224.
///
/// Five stages of 3×3 convolutions with padding 1, bias and ReLU (64, 128, 256, 512, 512
/// channels; [2, 2, 3, 3, 3] or [2, 2, 4, 4, 4] convolutions), a 2×2/2 max pooling after each,
/// then fc6 4096 → dropout → fc7 4096 → dropout → fc8 1000. VGG-16: 138,357,544 parameters,
/// 15.47 GMACs; VGG-19: 143,667,240 parameters, 19.63 GMACs.
enum VGG {
  static let widths = [64, 128, 256, 512, 512]

  /// The spec with `convolutionsPerStage[i]` convolutions in stage i + 1.
  static func spec(name: String, convolutionsPerStage: [Int]) -> ModelSpec {
    var net = SpecBuilder()
    for (stage, (width, count)) in zip(widths, convolutionsPerStage).enumerated() {
      for index in 1...count {
        let suffix = "\(stage + 1)_\(index)"
        net.convolution("conv\(suffix)", outputs: width, kernel: 3, padding: 1)
        net.relu("relu\(suffix)")
      }
      net.maxPool("pool\(stage + 1)", kernel: 2, stride: 2)
    }
    for index in 6...7 {
      net.fullyConnected("fc\(index)", outputs: 4096)
      net.relu("relu\(index)")
      net.dropout("drop\(index)", ratio: 0.5)
    }
    net.fullyConnected("fc8", outputs: 1000)
    return net.finished(name: name, input: Shape(3, 224, 224), classes: 1000)
  }

  static func vgg16() -> ModelSpec { spec(name: "vgg16", convolutionsPerStage: [2, 2, 3, 3, 3]) }
  static func vgg19() -> ModelSpec { spec(name: "vgg19", convolutionsPerStage: [2, 2, 4, 4, 4]) }
}
