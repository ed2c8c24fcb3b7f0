/// Where a network's layer outputs and output gradients live, chosen so that a training step
/// holds far less than one output and one gradient tensor per layer.
///
/// - Output gradients share buffers by lifetime. Backward runs layers last to first; the
///   gradient of layer j's output is first written by the backward of its last reader r (which
///   overwrites) and last read by the backward of j itself, so it is live over [j, r]. Gradients
///   whose intervals do not meet share one buffer, sized for the largest of them; a chain of
///   layers needs two, a residual block a few more.
/// - A ReLU runs in place, writing over its input, when it is that input's only reader and the
///   input's producer does not read its own output in backward (ReLU's backward needs only its
///   output). Its input tensor then holds the rectified values after forward.
struct TensorPlan {
  /// For every layer, the index of the layer whose output tensor it writes into (itself, or for
  /// an in-place ReLU, its input's producer, followed transitively).
  var outputOwner: [Int]
  /// For every layer, the gradient buffer its output gradient uses, or nil for its own tensor
  /// (an output no layer reads, whose gradient stays zero, or the loss).
  var gradientBuffer: [Int?]
  /// Element count of each gradient buffer.
  var bufferSizes: [Int]

  /// `sources[i]` lists the layers layer i reads (-1 for the network input); `sizes[i]` is layer
  /// i's output element count; `inPlaceCapable[i]` says layer i may write over its input;
  /// `readsOwnOutput[i]` says layer i's backward reads its output. Without `reuse`, every
  /// output and gradient gets its own tensor.
  init(sources: [[Int]], sizes: [Int], inPlaceCapable: [Bool], readsOwnOutput: [Bool], reuse: Bool = true) {
    let count = sources.count
    guard reuse else {
      outputOwner = Array(0..<count)
      gradientBuffer = Array(repeating: nil, count: count)
      bufferSizes = []
      return
    }
    var readers = Array(repeating: [Int](), count: count)
    for (index, inputs) in sources.enumerated() {
      for source in inputs where source >= 0 { readers[source].append(index) }
    }
    outputOwner = Array(0..<count)
    for index in 0..<count where inPlaceCapable[index] && sources[index].count == 1 {
      let source = sources[index][0]
      guard source >= 0, readers[source] == [index], !readsOwnOutput[source], source != count - 1 else { continue }
      outputOwner[index] = outputOwner[source]
    }
    // Intervals [j, last reader], assigned in backward order (last reader descending).
    let planned = (0..<(count - 1)).filter { !readers[$0].isEmpty }.sorted {
      (readers[$0].max()!, $0) > (readers[$1].max()!, $1)
    }
    var gradientBuffer = [Int?](repeating: nil, count: count)
    var bufferSizes: [Int] = []
    /// The lowest layer index whose backward still reads each buffer's current gradient.
    var busyUntil: [Int] = []
    for tensor in planned {
      let firstWrite = readers[tensor].max()!
      let free = bufferSizes.indices.filter { busyUntil[$0] > firstWrite }
      // The smallest free buffer that fits, else the largest free one (grown), else a new one.
      let fitting = free.filter { bufferSizes[$0] >= sizes[tensor] }.min { bufferSizes[$0] < bufferSizes[$1] }
      let chosen = fitting ?? free.max { bufferSizes[$0] < bufferSizes[$1] }
      if let chosen {
        bufferSizes[chosen] = Swift.max(bufferSizes[chosen], sizes[tensor])
        busyUntil[chosen] = tensor
        gradientBuffer[tensor] = chosen
      } else {
        gradientBuffer[tensor] = bufferSizes.count
        bufferSizes.append(sizes[tensor])
        busyUntil.append(tensor)
      }
    }
    self.gradientBuffer = gradientBuffer
    self.bufferSizes = bufferSizes
  }
}
