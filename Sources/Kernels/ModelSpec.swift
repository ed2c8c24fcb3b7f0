/// The description of a network as a graph of named layers: what the model zoo builds, what
/// parameter and MAC counting reads, and what `Network` instantiates into runnable layers.
///
/// A spec holds no weights and no storage; it is plain data, cheap to build and to inspect.

/// A tensor shape without the batch dimension: channels × height × width (NCHW, N dropped).
public struct Shape: Hashable, Sendable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int

  public init(_ channels: Int, _ height: Int, _ width: Int) {
    self.channels = channels
    self.height = height
    self.width = width
  }

  public var count: Int { channels * height * width }
  public var description: String { "\(channels)×\(height)×\(width)" }
}

/// A height × width pair: a kernel, a stride or a padding.
public struct Extent: Hashable, Sendable {
  public var h: Int
  public var w: Int

  public init(_ h: Int, _ w: Int) {
    self.h = h
    self.w = w
  }

  /// The same extent in both dimensions.
  public init(_ both: Int) { self.init(both, both) }
}

/// One operation of a network. Sizes are (height, width) pairs where Caffe allows them to differ.
public enum LayerKind: Hashable, Sendable {
  /// Convolution: `outputs` filters of `kernel`, with `stride`, zero `padding`, `groups`, bias.
  case convolution(
    outputs: Int, kernel: Extent, stride: Extent, padding: Extent, groups: Int, bias: Bool)
  /// Fully connected (inner product) over the flattened input.
  case fullyConnected(outputs: Int, bias: Bool)
  case relu
  /// Max pooling, Caffe's ceil mode for the output size.
  case maxPool(kernel: Int, stride: Int, padding: Int)
  /// Average pooling, Caffe's ceil mode for the output size.
  case averagePool(kernel: Int, stride: Int, padding: Int)
  /// Max pooling over every spatial position of each channel (Caffe's `global_pooling`):
  /// C×H×W becomes C×1×1. TextCNN's max-over-time.
  case globalMaxPool
  /// Local response normalisation across channels.
  case localResponseNorm(size: Int, alpha: Double, beta: Double, k: Double)
  /// Batch normalisation (training mode) followed by Caffe's Scale layer (gamma, beta).
  case batchNormScale
  case dropout(ratio: Double)
  /// Concatenation of all inputs along channels.
  case concat
  /// Elementwise sum of all inputs.
  case sum
  /// Softmax followed by cross-entropy against integer labels; the network's loss.
  case softmaxCrossEntropy
}

/// A layer in a spec: its name, the names of the layers it reads (empty means the network input),
/// and its kind.
public struct LayerSpec: Hashable, Sendable {
  public var name: String
  public var inputs: [String]
  public var kind: LayerKind

  public init(name: String, inputs: [String], kind: LayerKind) {
    self.name = name
    self.inputs = inputs
    self.kind = kind
  }
}

/// A whole network: an input shape, a class count, and layers in a topological order (every
/// layer's inputs appear before it). The last layer is the loss.
public struct ModelSpec: Sendable {
  public var name: String
  public var input: Shape
  public var classes: Int
  public var layers: [LayerSpec]

  public init(name: String, input: Shape, classes: Int, layers: [LayerSpec]) {
    self.name = name
    self.input = input
    self.classes = classes
    self.layers = layers
  }
}
