/// ResNet-50, -101 and -152 in the original ("v1") Caffe layout, input 3×224×224.
///
/// conv1 7×7/2 64 pad 3 → BN + Scale → ReLU → max 3/2 → four stages of bottleneck blocks
/// (widths 64→256, 128→512, 256→1024, 512→2048) → average 7×7 → fc 1000. A block is
/// 1×1 → 3×3 pad 1 → 1×1 expand, each convolution followed by BN + Scale, ReLU after the first
/// two and after the residual sum. The first block of each stage has a 1×1 projection shortcut
/// (with BN + Scale); from stage 3 on, its first 1×1 convolution and the projection have
/// stride 2. Convolutions have no bias, except conv1 in ResNet-50 (as in the published Caffe
/// models). Layer names follow Caffe's: res2a_branch2a, bn2a_branch2a, res4b22, …
enum ResNet {
  /// Bottleneck widths and output widths of stages 2 to 5.
  static let widths = [(64, 256), (128, 512), (256, 1024), (512, 2048)]

  static func resnet50() -> ModelSpec {
    spec(name: "resnet50", blocksPerStage: [3, 4, 6, 3], firstConvolutionBias: true)
  }
  static func resnet101() -> ModelSpec {
    spec(name: "resnet101", blocksPerStage: [3, 4, 23, 3], firstConvolutionBias: false)
  }
  static func resnet152() -> ModelSpec {
    spec(name: "resnet152", blocksPerStage: [3, 8, 36, 3], firstConvolutionBias: false)
  }

  static func spec(name: String, blocksPerStage: [Int], firstConvolutionBias: Bool) -> ModelSpec {
    var net = SpecBuilder()
    net.convolution(
      "conv1", outputs: 64, kernel: 7, stride: 2, padding: 3, bias: firstConvolutionBias)
    net.add("bn_conv1", .batchNormScale)
    net.relu("conv1_relu")
    net.maxPool("pool1", kernel: 3, stride: 2)
    for (index, ((bottleneck, output), blocks)) in zip(widths, blocksPerStage).enumerated() {
      let stage = index + 2
      for block in 0..<blocks {
        bottleneckBlock(
          &net, name: "\(stage)\(blockName(block, of: blocks))", bottleneck: bottleneck,
          output: output, stride: (block == 0 && stage > 2) ? 2 : 1, projection: block == 0)
      }
    }
    net.averagePool("pool5", kernel: 7, stride: 1)
    net.fullyConnected("fc1000", outputs: 1000)
    return net.finished(name: name, input: Shape(3, 224, 224), classes: 1000)
  }

  /// Caffe's block names: a, b, c, … for short stages; a, b1, b2, … for stages of more than six.
  static func blockName(_ block: Int, of blocks: Int) -> String {
    if block == 0 { return "a" }
    if blocks > 6 { return "b\(block)" }
    let letters = Array("abcdef")
    return String(letters[block])
  }

  /// A convolution without bias followed by BN + Scale; returns the BN layer's name.
  @discardableResult
  private static func convolution(
    _ net: inout SpecBuilder, _ name: String, branch: String, outputs: Int, kernel: Int,
    stride: Int = 1, padding: Int = 0, from inputs: [String]? = nil
  ) -> String {
    net.convolution(
      "res\(name)_\(branch)", outputs: outputs, kernel: kernel, stride: stride,
      padding: padding, bias: false, from: inputs)
    return net.add("bn\(name)_\(branch)", .batchNormScale)
  }

  private static func bottleneckBlock(
    _ net: inout SpecBuilder, name: String, bottleneck: Int, output: Int, stride: Int,
    projection: Bool
  ) {
    let input = net.last.map { [$0] } ?? []
    let shortcut =
      projection
      ? convolution(
        &net, name, branch: "branch1", outputs: output, kernel: 1, stride: stride, from: input)
      : input[0]
    convolution(
      &net, name, branch: "branch2a", outputs: bottleneck, kernel: 1, stride: stride, from: input)
    net.relu("res\(name)_branch2a_relu")
    convolution(&net, name, branch: "branch2b", outputs: bottleneck, kernel: 3, padding: 1)
    net.relu("res\(name)_branch2b_relu")
    let expanded = convolution(&net, name, branch: "branch2c", outputs: output, kernel: 1)
    net.add("res\(name)", .sum, from: [shortcut, expanded])
    net.relu("res\(name)_relu")
  }
}
