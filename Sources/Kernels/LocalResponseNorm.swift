import Foundation

/// Local response normalisation across channels (Caffe's ACROSS_CHANNELS):
/// sᶜ = k + α/n·Σ x_{c'}² over the n channels c' from c − (n−1)/2, and y = x·s^(−β).
/// Backward: dx_c = dy_c·s_c^(−β) − (2αβ/n)·x_c·Σ_{c' whose window holds c} dy_{c'}·y_{c'}/s_{c'}.
final class LocalResponseNorm: Layer {
  let outputShape: Shape
  let size: Int
  let alpha: Float
  let beta: Float
  let k: Float
  /// sᶜ for every element of the last forward pass.
  private let scale: Tensor
  /// dy·y/s for one image, reused per image in backward.
  private let ratio: Tensor

  init(name: String, input: Shape, size: Int, alpha: Double, beta: Double, k: Double, batch: Int) throws {
    guard size > 0 else { throw NetworkError.invalidLayer(name, "LRN size must be positive") }
    outputShape = input
    self.size = size
    self.alpha = Float(alpha)
    self.beta = Float(beta)
    self.k = Float(k)
    scale = Tensor(batch: batch, shape: input)
    ratio = Tensor(batch: 1, shape: input)
  }

  /// The channels c' whose squares enter sᶜ.
  @inline(__always)
  private func window(of channel: Int) -> Range<Int> {
    let first = channel - (size - 1) / 2
    return Swift.max(first, 0)..<Swift.min(first + size, outputShape.channels)
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let plane = outputShape.height * outputShape.width
    let channels = outputShape.channels
    let x = inputs[0].pointer
    let y = output.pointer
    let s = scale.pointer
    let coefficient = alpha / Float(size)
    let k = k
    let beta = beta
    context.forEachRange(of: output.batch * channels) { items in
      for item in items {
        let n = item / channels
        let c = item % channels
        let target = s + item * plane
        target.update(repeating: k, count: plane)
        for source in window(of: c) {
          let values = x + (n * channels + source) * plane
          for index in 0..<plane { target[index] += coefficient * values[index] * values[index] }
        }
        let input = x + item * plane
        let result = y + item * plane
        for index in 0..<plane { result[index] = input[index] * powf(target[index], -beta) }
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    let plane = outputShape.height * outputShape.width
    let channels = outputShape.channels
    let x = inputs[0].pointer
    let y = output.pointer
    let s = scale.pointer
    let dy = outputGradient.pointer
    let dx = inputGradient.pointer
    let r = ratio.pointer
    let adding = accumulate[0]
    let coefficient = 2 * alpha * beta / Float(size)
    let beta = beta
    let before = (size - 1) / 2
    for n in 0..<output.batch {
      let image = n * channels * plane
      context.forEachRange(of: channels * plane, minimumPerRange: 1 << 14) { range in
        for index in range { r[index] = dy[image + index] * y[image + index] / s[image + index] }
      }
      context.forEachRange(of: channels) { channelRange in
        for c in channelRange {
          // Channels c' with c in window(c'): c' − before ≤ c ≤ c' − before + size − 1.
          let sources = Swift.max(c - (size - 1 - before), 0)..<Swift.min(c + before + 1, channels)
          let offset = image + c * plane
          for index in 0..<plane {
            var sum: Float = 0
            for source in sources { sum += r[source * plane + index] }
            let value = dy[offset + index] * powf(s[offset + index], -beta) - coefficient * x[offset + index] * sum
            if adding { dx[offset + index] += value } else { dx[offset + index] = value }
          }
        }
      }
    }
  }
}
