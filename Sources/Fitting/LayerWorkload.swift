import Kernels

/// The kernels one training step of a zoo model runs, as `KernelSample`s (time 0), described
/// exactly as `dlscale kernels --model` records them: one per distinct layer (kind and input
/// shapes) and pass, with `KernelCase`'s op name, shape description, FLOPs and bytes moved, and
/// the number of the model's layers it stands for. A kernel-time model fitted on measured layers
/// thus prices a model's step as Σ layers × predicted time.
public enum LayerWorkload {
  public static func samples(of spec: ModelSpec, batch: Int) throws -> [KernelSample] {
    var result: [KernelSample] = []
    for kernelCase in try KernelCase.cases(from: spec) {
      for backward in [false, true] {
        result.append(
          KernelSample(
            op: kernelCase.op, shape: kernelCase.shapeDescription(batch: batch),
            pass: backward ? "backward" : "forward",
            flops: try kernelCase.flops(batch: batch, backward: backward),
            bytesMoved: try kernelCase.bytesMoved(batch: batch, backward: backward), seconds: 0, model: spec.name,
            layerCount: max(kernelCase.layers.count, 1)))
      }
    }
    return result
  }
}
