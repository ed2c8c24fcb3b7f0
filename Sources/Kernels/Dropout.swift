/// Inverted dropout: in training each element is kept with probability 1 − p and scaled by
/// 1/(1 − p), so inference is the identity. The mask is a hash of (seed, step, index), so it is
/// reproducible, the same for forward and backward of a step, and fillable in parallel.
final class Dropout: Layer {
  let outputShape: Shape
  let ratio: Float
  let seed: UInt64
  /// The per-element multiplier (0 or 1/(1 − p)) of the last training forward pass.
  private let mask: Tensor
  private var maskApplied = false

  init(name: String, input: Shape, ratio: Double, seed: UInt64, batch: Int) throws {
    guard ratio >= 0, ratio < 1 else {
      throw NetworkError.invalidLayer(name, "dropout ratio \(ratio) is not in [0, 1)")
    }
    outputShape = input
    self.ratio = Float(ratio)
    self.seed = seed
    mask = Tensor(batch: batch, shape: input)
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let x = inputs[0].pointer
    let y = output.pointer
    maskApplied = context.training
    guard context.training else {
      y.update(from: x, count: output.count)
      return
    }
    let m = mask.pointer
    let keep = 1 / (1 - ratio)
    let threshold = UInt64(Double(ratio) * Double(1 << 32))
    let base = SeededGenerator.mix(seed ^ UInt64(truncatingIfNeeded: context.step) &* 0x9E37_79B9_7F4A_7C15)
    context.forEachRange(of: output.count, minimumPerRange: 1 << 15) { range in
      for index in range {
        let draw = SeededGenerator.mix(base &+ UInt64(index)) >> 32
        m[index] = draw >= threshold ? keep : 0
        y[index] = x[index] * m[index]
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    let dy = outputGradient.pointer
    let dx = inputGradient.pointer
    let m = mask.pointer
    let adding = accumulate[0]
    let masked = maskApplied
    context.forEachRange(of: output.count, minimumPerRange: 1 << 15) { range in
      for index in range {
        let value = masked ? dy[index] * m[index] : dy[index]
        if adding { dx[index] += value } else { dx[index] = value }
      }
    }
  }
}
