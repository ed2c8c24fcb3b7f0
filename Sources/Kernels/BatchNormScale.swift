import Foundation

/// Batch normalisation in training mode followed by a per-channel scale and shift (Caffe's
/// BatchNorm + Scale): x̂ = (x − μ_B)/√(σ²_B + ε), y = γ·x̂ + β, with batch statistics over N·H·W.
/// Running mean and variance (unbiased) are updated with momentum 0.1 and are state, not
/// trainable. Backward, with M = N·H·W:
/// dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/(M·√(σ²+ε))·(M·dy − Σdy − x̂·Σ dy·x̂).
final class BatchNormScale: Layer {
  static let epsilon: Float = 1e-5
  static let momentum: Float = 0.1

  let name: String
  let backwardReadsOutput = false
  let outputShape: Shape
  let gamma: Tensor
  let gammaGradient: Tensor
  let beta: Tensor
  let betaGradient: Tensor
  let runningMean: Tensor
  let runningVariance: Tensor
  /// μ_B and 1/√(σ²_B + ε) of the last training forward pass.
  private let mean: Tensor
  private let inverseDeviation: Tensor

  init(name: String, input: Shape) {
    self.name = name
    outputShape = input
    let channels = Shape(input.channels, 1, 1)
    gamma = Tensor(batch: 1, shape: channels)
    gamma.fill(with: 1)
    gammaGradient = Tensor(batch: 1, shape: channels)
    beta = Tensor(batch: 1, shape: channels)
    betaGradient = Tensor(batch: 1, shape: channels)
    runningMean = Tensor(batch: 1, shape: channels)
    runningVariance = Tensor(batch: 1, shape: channels)
    runningVariance.fill(with: 1)
    mean = Tensor(batch: 1, shape: channels)
    inverseDeviation = Tensor(batch: 1, shape: channels)
  }

  var parameters: [Parameter] {
    let dimensions = [outputShape.channels]
    return [
      Parameter(name: "\(name).gamma", dimensions: dimensions, value: gamma, gradient: gammaGradient),
      Parameter(name: "\(name).beta", dimensions: dimensions, value: beta, gradient: betaGradient),
      Parameter(name: "\(name).running_mean", dimensions: dimensions, value: runningMean, gradient: nil),
      Parameter(name: "\(name).running_var", dimensions: dimensions, value: runningVariance, gradient: nil),
    ]
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let x = inputs[0].pointer
    let y = output.pointer
    let batch = output.batch
    let channels = outputShape.channels
    let plane = outputShape.height * outputShape.width
    let stride = channels * plane
    let count = Float(batch * plane)
    let gamma = gamma.pointer
    let beta = beta.pointer
    let mean = mean.pointer
    let inverse = inverseDeviation.pointer
    let runningMean = runningMean.pointer
    let runningVariance = runningVariance.pointer
    let training = context.training
    context.forEachRange(of: channels) { channelRange in
      for c in channelRange {
        var mu: Float
        var invSigma: Float
        if training {
          var sum: Double = 0
          for n in 0..<batch { sum += Double(VectorLoops.sum(x + n * stride + c * plane, count: plane)) }
          mu = Float(sum / Double(count))
          var squares: Double = 0
          for n in 0..<batch {
            squares += Double(VectorLoops.sumOfSquares(x + n * stride + c * plane, count: plane, around: mu))
          }
          let variance = Float(squares / Double(count))
          invSigma = 1 / (variance + BatchNormScale.epsilon).squareRoot()
          mean[c] = mu
          inverse[c] = invSigma
          let unbiased = count > 1 ? variance * count / (count - 1) : variance
          runningMean[c] += BatchNormScale.momentum * (mu - runningMean[c])
          runningVariance[c] += BatchNormScale.momentum * (unbiased - runningVariance[c])
        } else {
          mu = runningMean[c]
          invSigma = 1 / (runningVariance[c] + BatchNormScale.epsilon).squareRoot()
        }
        let a = gamma[c] * invSigma
        let b = beta[c] - mu * a
        for n in 0..<batch {
          VectorLoops.scaleAndShift(
            x + n * stride + c * plane, by: a, plus: b, into: y + n * stride + c * plane, count: plane)
        }
      }
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    let x = inputs[0].pointer
    let dy = outputGradient.pointer
    let batch = output.batch
    let channels = outputShape.channels
    let plane = outputShape.height * outputShape.width
    let stride = channels * plane
    let count = Float(batch * plane)
    let gamma = gamma.pointer
    let mean = mean.pointer
    let inverse = inverseDeviation.pointer
    let gammaGradient = gammaGradient.pointer
    let betaGradient = betaGradient.pointer
    let dx = inputGradients[0]?.pointer
    let adding = accumulate[0]
    context.forEachRange(of: channels) { channelRange in
      for c in channelRange {
        let mu = mean[c]
        let invSigma = inverse[c]
        var sumGradient: Float = 0
        var sumProduct: Float = 0
        for n in 0..<batch {
          let values = x + n * stride + c * plane
          let gradients = dy + n * stride + c * plane
          sumGradient += VectorLoops.sum(gradients, count: plane)
          sumProduct += VectorLoops.sumOfProducts(gradients, values, count: plane, around: mu)
        }
        sumProduct *= invSigma
        gammaGradient[c] = sumProduct
        betaGradient[c] = sumGradient
        guard let dx else { continue }
        // dx = factor·(M·dy − Σdy − x̂·Σdy·x̂), an affine combination of dy and x.
        let factor = gamma[c] * invSigma / count
        let gradientWeight = factor * count
        let inputWeight = -factor * invSigma * sumProduct
        let constant = -factor * sumGradient + factor * invSigma * sumProduct * mu
        for n in 0..<batch {
          let offset = n * stride + c * plane
          VectorLoops.combine(
            dy + offset, times: gradientWeight, x + offset, times: inputWeight, plus: constant, into: dx + offset,
            count: plane, adding: adding)
        }
      }
    }
  }
}
