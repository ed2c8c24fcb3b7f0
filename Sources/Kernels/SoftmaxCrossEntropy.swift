import Foundation

/// Softmax over the flattened input followed by cross-entropy against integer labels. The
/// output holds each sample's loss; the network's loss is their mean. Backward ignores the output
/// gradient (the loss is the end of the graph): dx = (softmax(x) − onehot(label))/N.
final class SoftmaxCrossEntropy: Layer {
  let classes: Int
  let outputShape = Shape(1, 1, 1)
  /// One label per sample, each in 0..<classes; set before forward.
  var labels: [Int32]
  private let probabilities: Tensor

  init(name: String, input: Shape, batch: Int) {
    classes = input.count
    labels = Array(repeating: 0, count: batch)
    probabilities = Tensor(batch: batch, shape: Shape(input.count, 1, 1))
  }

  func forward(_ inputs: [Tensor], into output: Tensor, context: ComputeContext) {
    let x = inputs[0].pointer
    let p = probabilities.pointer
    let classes = classes
    for n in 0..<output.batch {
      let logits = x + n * classes
      let row = p + n * classes
      var largest = -Float.infinity
      for c in 0..<classes { largest = Swift.max(largest, logits[c]) }
      var sum: Float = 0
      for c in 0..<classes {
        row[c] = expf(logits[c] - largest)
        sum += row[c]
      }
      let label = Int(labels[n])
      precondition(label >= 0 && label < classes, "label \(label) is outside 0..<\(classes)")
      for c in 0..<classes { row[c] /= sum }
      output.pointer[n] = -(logits[label] - largest - logf(sum))
    }
  }

  func backward(
    _ inputs: [Tensor], output: Tensor, outputGradient: Tensor,
    inputGradients: [Tensor?], accumulate: [Bool], context: ComputeContext
  ) {
    guard let inputGradient = inputGradients[0] else { return }
    let p = probabilities.pointer
    let dx = inputGradient.pointer
    let classes = classes
    let scale = 1 / Float(output.batch)
    let adding = accumulate[0]
    for n in 0..<output.batch {
      let label = Int(labels[n])
      for c in 0..<classes {
        let value = (p[n * classes + c] - (c == label ? 1 : 0)) * scale
        if adding { dx[n * classes + c] += value } else { dx[n * classes + c] = value }
      }
    }
  }
}
