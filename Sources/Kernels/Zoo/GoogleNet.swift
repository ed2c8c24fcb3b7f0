/// GoogleNet (Inception v1) as in BVLC's Caffe deploy model, without the auxiliary
/// classifiers, input 3×224×224. Every convolution has a bias and is followed by ReLU.
///
/// conv1 7×7/2 64 pad 3 → max 3/2 → LRN → conv2 1×1 64 → conv2 3×3 192 pad 1 → LRN → max 3/2
/// → 3a, 3b → max 3/2 → 4a–4e → max 3/2 → 5a, 5b → average 7×7 → dropout 0.4 → fc 1000.
/// 6,998,552 parameters, 1.583 GMACs forward.
enum GoogleNet {
  /// The output widths of one inception module's branches, in Caffe's order.
  struct Inception {
    var name: String
    var oneByOne: Int
    var threeByThreeReduce: Int
    var threeByThree: Int
    var fiveByFiveReduce: Int
    var fiveByFive: Int
    var poolProjection: Int

    init(_ name: String, _ widths: (Int, Int, Int, Int, Int, Int)) {
      self.name = name
      (oneByOne, threeByThreeReduce, threeByThree, fiveByFiveReduce, fiveByFive, poolProjection) =
        widths
    }
  }

  static let stage3 = [
    Inception("3a", (64, 96, 128, 16, 32, 32)), Inception("3b", (128, 128, 192, 32, 96, 64)),
  ]
  static let stage4 = [
    Inception("4a", (192, 96, 208, 16, 48, 64)), Inception("4b", (160, 112, 224, 24, 64, 64)),
    Inception("4c", (128, 128, 256, 24, 64, 64)), Inception("4d", (112, 144, 288, 32, 64, 64)),
    Inception("4e", (256, 160, 320, 32, 128, 128)),
  ]
  static let stage5 = [
    Inception("5a", (256, 160, 320, 32, 128, 128)), Inception("5b", (384, 192, 384, 48, 128, 128)),
  ]

  static func spec() -> ModelSpec {
    var net = SpecBuilder()
    convolution(&net, "conv1/7x7_s2", outputs: 64, kernel: 7, stride: 2, padding: 3)
    net.maxPool("pool1/3x3_s2", kernel: 3, stride: 2)
    net.localResponseNorm("pool1/norm1")
    convolution(&net, "conv2/3x3_reduce", outputs: 64, kernel: 1)
    convolution(&net, "conv2/3x3", outputs: 192, kernel: 3, padding: 1)
    net.localResponseNorm("conv2/norm2")
    net.maxPool("pool2/3x3_s2", kernel: 3, stride: 2)
    for module in stage3 { inception(&net, module) }
    net.maxPool("pool3/3x3_s2", kernel: 3, stride: 2)
    for module in stage4 { inception(&net, module) }
    net.maxPool("pool4/3x3_s2", kernel: 3, stride: 2)
    for module in stage5 { inception(&net, module) }
    net.averagePool("pool5/7x7_s1", kernel: 7, stride: 1)
    net.dropout("pool5/drop_7x7_s1", ratio: 0.4)
    net.fullyConnected("loss3/classifier", outputs: 1000)
    return net.finished(name: "googlenet", input: Shape(3, 224, 224), classes: 1000)
  }

  /// A convolution with a bias followed by its ReLU; returns the ReLU's name.
  @discardableResult
  private static func convolution(
    _ net: inout SpecBuilder, _ name: String, outputs: Int, kernel: Int, stride: Int = 1,
    padding: Int = 0, from inputs: [String]? = nil
  ) -> String {
    net.convolution(
      name, outputs: outputs, kernel: kernel, stride: stride, padding: padding, from: inputs)
    return net.relu("\(name)_relu")
  }

  /// Four branches reading the previous layer — 1×1; 1×1 then 3×3; 1×1 then 5×5; max 3/1 pad 1
  /// then 1×1 — concatenated along channels.
  private static func inception(_ net: inout SpecBuilder, _ module: Inception) {
    let prefix = "inception_\(module.name)"
    let input = net.last.map { [$0] } ?? []
    let oneByOne = convolution(
      &net, "\(prefix)/1x1", outputs: module.oneByOne, kernel: 1, from: input)
    convolution(
      &net, "\(prefix)/3x3_reduce", outputs: module.threeByThreeReduce, kernel: 1, from: input)
    let threeByThree = convolution(
      &net, "\(prefix)/3x3", outputs: module.threeByThree, kernel: 3, padding: 1)
    convolution(
      &net, "\(prefix)/5x5_reduce", outputs: module.fiveByFiveReduce, kernel: 1, from: input)
    let fiveByFive = convolution(
      &net, "\(prefix)/5x5", outputs: module.fiveByFive, kernel: 5, padding: 2)
    net.maxPool("\(prefix)/pool", kernel: 3, stride: 1, padding: 1, from: input)
    let projection = convolution(
      &net, "\(prefix)/pool_proj", outputs: module.poolProjection, kernel: 1)
    net.add("\(prefix)/output", .concat, from: [oneByOne, threeByThree, fiveByFive, projection])
  }
}
