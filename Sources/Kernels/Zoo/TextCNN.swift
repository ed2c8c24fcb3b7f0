/// TextCNN (sentence classification by convolutions over word embeddings), on input that is
/// already embedded: 1×59×128, 59 tokens of 128 dimensions; no embedding table is counted.
///
/// Three parallel convolutions of 128 filters spanning the whole embedding — 1×128, 3×128 with
/// padding 1 and 5×128 with padding 2 over the tokens — each 128×59×1, concatenated (384×59×1)
/// → ReLU → max over time (384) → fc 10. 151,690 parameters, 0.0087 GMACs forward.
enum TextCNN {
  static let tokens = 59
  static let embedding = 128
  static let filters = 128

  static func spec() -> ModelSpec {
    var net = SpecBuilder()
    let branches = [1, 3, 5].map { height in
      net.add(
        "conv\(height)",
        .convolution(
          outputs: filters, kernel: Extent(height, embedding), stride: Extent(1),
          padding: Extent(height / 2, 0), groups: 1, bias: true),
        from: [])
    }
    net.add("concat", .concat, from: branches)
    net.relu("relu")
    net.add("pool", .globalMaxPool)
    net.fullyConnected("fc", outputs: 10)
    return net.finished(name: "textcnn", input: Shape(1, tokens, embedding), classes: 10)
  }
}
