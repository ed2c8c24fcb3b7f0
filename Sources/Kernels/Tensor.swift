/// A float32 tensor in NCHW layout over one contiguous, 64-byte aligned allocation that the
/// tensor owns, or over the leading elements of another tensor's storage (a view, which keeps
/// that tensor alive). Element (n, c, h, w) lives at `((n·C + c)·H + h)·W + w`.
///
/// Tensors are allocated once, when a network is built at a batch size, and then reused every
/// step; kernels read and write them through `pointer`.
public final class Tensor {
  /// The batch dimension N.
  public let batch: Int
  /// The per-sample shape C × H × W.
  public let shape: Shape
  /// N·C·H·W.
  public let count: Int
  /// The storage, valid for the tensor's lifetime.
  public let pointer: UnsafeMutablePointer<Float>
  /// The tensor whose storage a view uses; nil when this tensor owns its storage.
  public let storageOwner: Tensor?

  /// A zero-filled tensor of `batch` samples of `shape`.
  public init(batch: Int, shape: Shape) {
    precondition(batch > 0 && shape.count > 0, "tensor dimensions must be positive, got \(batch)×\(shape)")
    self.batch = batch
    self.shape = shape
    self.count = batch * shape.count
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: count)
    pointer.initialize(repeating: 0, count: count)
    storageOwner = nil
  }

  /// A view of `batch` × `shape` over the first elements of `storage`, which must hold at least
  /// as many. Writing through either tensor changes both.
  public init(batch: Int, shape: Shape, sharing storage: Tensor) {
    precondition(batch > 0 && shape.count > 0, "tensor dimensions must be positive, got \(batch)×\(shape)")
    precondition(
      batch * shape.count <= storage.count, "a view of \(batch)×\(shape) needs more than \(storage.count) elements")
    self.batch = batch
    self.shape = shape
    self.count = batch * shape.count
    pointer = storage.pointer
    storageOwner = storage.storageOwner ?? storage
  }

  /// A tensor of `batch` × `shape` holding `values` (which must have exactly `count` elements).
  public convenience init(batch: Int, shape: Shape, values: [Float]) {
    self.init(batch: batch, shape: shape)
    precondition(values.count == count, "expected \(count) values, got \(values.count)")
    values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
  }

  deinit {
    if storageOwner == nil { UnsafeMutableRawPointer(pointer).deallocate() }
  }

  /// [N, C, H, W].
  public var dimensions: [Int] { [batch, shape.channels, shape.height, shape.width] }

  /// The element at a flat index.
  public subscript(index: Int) -> Float {
    get { pointer[index] }
    set { pointer[index] = newValue }
  }

  /// A copy of the elements, in storage order.
  public var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

  public func fill(with value: Float) { pointer.update(repeating: value, count: count) }

  public func zero() { fill(with: 0) }

  /// Copies every element of `source`, which must have the same element count.
  public func copy(from source: Tensor) {
    precondition(source.count == count, "copy between tensors of \(source.count) and \(count) elements")
    pointer.update(from: source.pointer, count: count)
  }

  /// Fills with independent normal samples of standard deviation `deviation`.
  public func fillNormal(deviation: Float, using generator: inout SeededGenerator) {
    for index in 0..<count { pointer[index] = deviation * generator.nextNormal() }
  }

  /// Fills with independent uniform samples in `range`.
  public func fillUniform(in range: ClosedRange<Float>, using generator: inout SeededGenerator) {
    let width = range.upperBound - range.lowerBound
    for index in 0..<count { pointer[index] = range.lowerBound + width * generator.nextUnit() }
  }
}
