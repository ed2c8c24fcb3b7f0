import Kernels

/// The kernels one training step of a zoo model runs, as `KernelSample`s (time 0) in the shape
/// format `KernelSample` documents, so that a kernel-time model can price a whole step.
///
/// Forward FLOPs are 2 × MACs × batch for convolution and fully connected layers and one per
/// output element otherwise; backward is twice forward (input and weight gradients). Bytes moved
/// are 4 × (input + output elements × batch + parameters), twice that backward.
public enum LayerWorkload {
  public static func samples(of spec: ModelSpec, batch: Int) throws -> [KernelSample] {
    var result: [KernelSample] = []
    let b = Double(batch)
    for layer in try spec.summary().layers {
      let input = layer.inputShapes[0]
      let output = layer.outputShape
      let elements = Double(layer.inputShapes.map(\.count).reduce(0, +) + output.count) * b
      let bytes = 4 * (elements + Double(layer.parameters))
      var shape = "n=\(batch) c=\(input.channels) h=\(input.height) w=\(input.width)"
      let op: String
      var flops = Double(output.count) * b
      switch layer.kind {
      case .convolution(let outputs, let kernel, let stride, _, let groups, _):
        op = "convolution"
        shape += " k=\(kernel.h) s=\(stride.h) o=\(outputs) g=\(groups)"
        flops = 2 * Double(layer.forwardMACs) * b
      case .fullyConnected(let outputs, _):
        op = "fully_connected"
        shape += " o=\(outputs)"
        flops = 2 * Double(layer.forwardMACs) * b
      case .relu: op = "relu"
      case .maxPool(let kernel, let stride, _):
        op = "max_pool"
        shape += " k=\(kernel) s=\(stride)"
      case .averagePool(let kernel, let stride, _):
        op = "average_pool"
        shape += " k=\(kernel) s=\(stride)"
      case .globalMaxPool: op = "global_max_pool"
      case .localResponseNorm(let size, _, _, _):
        op = "local_response_norm"
        shape += " k=\(size)"
      case .batchNormScale: op = "batch_norm"
      case .dropout: op = "dropout"
      case .concat: op = "concat"
      case .sum: op = "sum"
      case .softmaxCrossEntropy: op = "softmax_cross_entropy"
      }
      result.append(KernelSample(op: op, shape: shape, pass: "forward", flops: flops, bytesMoved: bytes, seconds: 0))
      result.append(
        KernelSample(
          op: op, shape: shape, pass: "backward", flops: 2 * flops, bytesMoved: 2 * bytes, seconds: 0))
    }
    return result
  }
}
