/// Grow-only scratch memory that an algorithm instance reuses across calls, so that repeated
/// allreduces of the same size allocate nothing. Not thread-safe: it belongs to the instance,
/// which belongs to one thread.
final class ScratchStorage {
  private var memory: UnsafeMutableRawPointer?
  private var capacity = 0

  init() {}

  /// `count` elements of `T`, valid until the next call (their contents are not preserved).
  func buffer<T: BitwiseCopyable>(of type: T.Type, count: Int) -> UnsafeMutableBufferPointer<T> {
    let bytes = max(count, 1) * MemoryLayout<T>.stride
    if bytes > capacity {
      memory?.deallocate()
      // Round up so that alternating sizes do not reallocate every call.
      capacity = max(bytes, capacity * 2)
      memory = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
    }
    let start = memory!.bindMemory(to: T.self, capacity: max(count, 1))
    return UnsafeMutableBufferPointer(start: start, count: count)
  }

  deinit { memory?.deallocate() }
}
