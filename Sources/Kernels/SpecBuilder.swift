/// Appends layers to a spec in order, remembering the most recent layer so that a chain of
/// layers reads top to bottom, as a Caffe prototxt does.
///
/// Every method returns the name of the layer it added; a method given no `from` reads the
/// layer added just before it (or the network input, for the first layer).
struct SpecBuilder {
  private(set) var layers: [LayerSpec] = []
  /// The layer the next chained layer reads; `nil` means the network input.
  private(set) var last: String?

  /// Adds a layer reading `inputs` (an empty list is the network input), or the last layer.
  @discardableResult
  mutating func add(_ name: String, _ kind: LayerKind, from inputs: [String]? = nil) -> String {
    let reads = inputs ?? last.map { [$0] } ?? []
    layers.append(LayerSpec(name: name, inputs: reads, kind: kind))
    last = name
    return name
  }

  /// Adds a convolution with a square kernel, stride and padding.
  @discardableResult
  mutating func convolution(
    _ name: String, outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
    groups: Int = 1, bias: Bool = true, from inputs: [String]? = nil
  ) -> String {
    add(
      name,
      .convolution(
        outputs: outputs, kernel: Extent(kernel), stride: Extent(stride),
        padding: Extent(padding), groups: groups, bias: bias),
      from: inputs)
  }

  /// Adds a fully connected layer with a bias.
  @discardableResult
  mutating func fullyConnected(_ name: String, outputs: Int, from inputs: [String]? = nil)
    -> String
  {
    add(name, .fullyConnected(outputs: outputs, bias: true), from: inputs)
  }

  /// Adds a rectified linear unit.
  @discardableResult
  mutating func relu(_ name: String, from inputs: [String]? = nil) -> String {
    add(name, .relu, from: inputs)
  }

  /// Adds a square max pooling (Caffe's ceil mode).
  @discardableResult
  mutating func maxPool(
    _ name: String, kernel: Int, stride: Int, padding: Int = 0, from inputs: [String]? = nil
  ) -> String {
    add(name, .maxPool(kernel: kernel, stride: stride, padding: padding), from: inputs)
  }

  /// Adds a square average pooling without padding (Caffe's ceil mode).
  @discardableResult
  mutating func averagePool(_ name: String, kernel: Int, stride: Int) -> String {
    add(name, .averagePool(kernel: kernel, stride: stride, padding: 0))
  }

  /// Adds Caffe's usual cross-channel LRN: 5 channels, α = 1e-4, β = 0.75, k = 1.
  @discardableResult
  mutating func localResponseNorm(_ name: String) -> String {
    add(name, .localResponseNorm(size: 5, alpha: 1e-4, beta: 0.75, k: 1))
  }

  /// Adds a dropout that zeroes `ratio` of its inputs while training.
  @discardableResult
  mutating func dropout(_ name: String, ratio: Double) -> String {
    add(name, .dropout(ratio: ratio))
  }

  /// Adds the loss, reading the last layer, and returns the finished spec.
  func finished(name: String, input: Shape, classes: Int) -> ModelSpec {
    var builder = self
    builder.add("loss", .softmaxCrossEntropy)
    return ModelSpec(name: name, input: input, classes: classes, layers: builder.layers)
  }
}
