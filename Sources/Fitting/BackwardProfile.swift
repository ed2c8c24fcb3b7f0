import Kernels

/// When each gradient bucket of a zoo model is complete during backward, as a fraction of the
/// backward time: the layers run last to first, each taking a share of backward proportional to
/// its work (2 × forward MACs for layers with weights — input and weight gradients — and one unit
/// per output element otherwise), and a bucket is complete when backward has passed the layer
/// whose gradient fills it.
///
/// ResNet-50's last stage holds 60% of the gradient bytes but 20% of the backward work, so its
/// first buckets are ready early, and the bucket holding the stem is ready only at the end;
/// spreading buckets evenly over backward would misplace every one of them.
public struct BackwardProfile: Sendable, Equatable {
  /// Per layer, in backward order (last layer first): gradient bytes and backward work.
  public var layers: [(gradientBytes: Int, work: Double)]

  public static func == (lhs: BackwardProfile, rhs: BackwardProfile) -> Bool {
    lhs.layers.elementsEqual(rhs.layers) { $0.gradientBytes == $1.gradientBytes && $0.work == $1.work }
  }

  public init(layers: [(gradientBytes: Int, work: Double)]) {
    self.layers = layers
  }

  /// The profile of a zoo model (the batch scales every layer's work alike, so it is left out).
  public init(spec: ModelSpec) throws {
    layers = try spec.summary().layers.reversed().map { layer in
      let work =
        layer.trainableParameters > 0 && layer.forwardMACs > 0
        ? 2 * Double(layer.forwardMACs) : Double(layer.outputShape.count)
      return (4 * layer.trainableParameters, work)
    }
  }

  public var gradientBytes: Int { layers.map(\.gradientBytes).reduce(0, +) }

  /// For buckets of the given sizes (in backward order, summing to the gradient), the fraction
  /// of backward after which each is complete.
  public func readyFractions(bucketSizes: [Int]) -> [Double] {
    let totalWork = layers.map(\.work).reduce(0, +)
    guard totalWork > 0 else { return bucketSizes.map { _ in 1 } }
    var fractions: [Double] = []
    var filled = 0
    var boundary = 0
    var work = 0.0
    var layer = 0
    for size in bucketSizes {
      boundary += size
      // Run backward until the gradient produced so far covers this bucket.
      while filled < boundary && layer < layers.count {
        filled += layers[layer].gradientBytes
        work += layers[layer].work
        layer += 1
      }
      fractions.append(min(work / totalWork, 1))
    }
    return fractions
  }

  /// For buckets of the given sizes (in backward order, summing to the gradient), the fraction
  /// of the next forward that runs before the first layer holding part of each: where that
  /// forward must wait for the bucket (`IterationModel.Overlap.forward`). Each layer takes the
  /// share of forward it takes of backward (exact for layers with weights, whose backward is
  /// twice their forward MACs; the others are a small part of either).
  public func forwardGateFractions(bucketSizes: [Int]) -> [Double] {
    let totalWork = layers.map(\.work).reduce(0, +)
    guard totalWork > 0 else { return bucketSizes.map { _ in 0 } }
    // Forward runs the layers in the opposite order: before layer i come those after it here.
    var workBefore = [Double](repeating: 0, count: layers.count)
    var sum = 0.0
    for index in layers.indices.reversed() {
      workBefore[index] = sum
      sum += layers[index].work
    }
    var fractions: [Double] = []
    var end = 0
    var layer = 0
    var layerEnd = layers.first?.gradientBytes ?? 0
    for size in bucketSizes {
      end += size
      // The layer holding the bucket's last byte: the first one forward reaches.
      while layerEnd < end && layer + 1 < layers.count {
        layer += 1
        layerEnd += layers[layer].gradientBytes
      }
      fractions.append(workBefore[layer] / totalWork)
    }
    return fractions
  }
}
