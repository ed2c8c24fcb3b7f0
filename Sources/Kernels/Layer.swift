/// The contract every layer kind implements, and the description of its parameters.
///
/// A layer is built for fixed input shapes and a batch size. `forward` reads its input tensors
/// and writes its output; `backward` reads the gradient of the loss with respect to its output and
/// writes its parameters' gradients (overwriting them) and its inputs' gradients — overwriting
/// when `accumulate[i]` is false, adding when it is true (a tensor that feeds several layers
/// gathers gradient from each). An input gradient of `nil` is not wanted (the network input).
public protocol Layer: AnyObject {
  /// The per-sample output shape.
  var outputShape: Shape { get }
  /// Parameters in a fixed order: trainable ones (with gradients) and state such as running
  /// statistics (without).
  var parameters: [Parameter] { get }
  /// Whether `backward` reads `output` (a ReLU after this layer may then not run in place).
  var backwardReadsOutput: Bool { get }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext)

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext)
}

extension Layer {
  public var parameters: [Parameter] { [] }
  public var backwardReadsOutput: Bool { true }
  public var trainableParameters: [Parameter] { parameters.filter(\.trainable) }
}

/// One parameter tensor of a layer: its name (`layer.weight`), logical dimensions for saving
/// (`[outputs, inputs/groups, kh, kw]`, `[outputs]` …), its values and, if trainable, its gradient.
public struct Parameter {
  public var name: String
  public var dimensions: [Int]
  public var value: Tensor
  public var gradient: Tensor?

  public var trainable: Bool { gradient != nil }

  public init(name: String, dimensions: [Int], value: Tensor, gradient: Tensor?) {
    self.name = name
    self.dimensions = dimensions
    self.value = value
    self.gradient = gradient
  }
}

/// Writes `value` into a gradient element, replacing or adding to what is there.
@inline(__always)
func store(_ value: Float, at pointer: UnsafeMutablePointer<Float>, accumulate: Bool) {
  if accumulate { pointer.pointee += value } else { pointer.pointee = value }
}
