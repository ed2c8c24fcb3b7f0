/// Caffe's pooling output size: ceil((H + 2p − k)/s) + 1, minus one when padding would make the
/// last window start outside the image (it must start inside H + p).
struct PoolingGeometry {
  var height: Int
  var width: Int
  var kernel: Int
  var stride: Int
  var padding: Int

  static func outputExtent(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    var extent = (size + 2 * padding - kernel + stride - 1) / stride + 1
    if padding > 0 && (extent - 1) * stride >= size + padding { extent -= 1 }
    return extent
  }

  var outputHeight: Int { Self.outputExtent(height, kernel: kernel, stride: stride, padding: padding) }
  var outputWidth: Int { Self.outputExtent(width, kernel: kernel, stride: stride, padding: padding) }

  /// Throws unless the window fits and the padding is smaller than the kernel.
  func validate(layer name: String) throws {
    guard kernel > 0, stride > 0, padding >= 0, padding < kernel,
      height + 2 * padding >= kernel, width + 2 * padding >= kernel
    else {
      throw NetworkError.invalidLayer(
        name, "pooling kernel \(kernel) stride \(stride) padding \(padding) does not fit a \(height)×\(width) input")
    }
  }
}
