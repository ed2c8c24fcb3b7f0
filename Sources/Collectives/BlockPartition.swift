/// The division of `count` elements into `parts` contiguous blocks whose sizes differ by at most
/// one (the first `count % parts` blocks are the larger), computed the same way on every rank.
struct BlockPartition {
  let count: Int
  let parts: Int

  init(count: Int, parts: Int) {
    precondition(count >= 0 && parts >= 1, "BlockPartition: \(count) elements into \(parts) parts")
    self.count = count
    self.parts = parts
  }

  /// The first element of block `block` (`count` for `block == parts`).
  func start(_ block: Int) -> Int {
    block * (count / parts) + min(block, count % parts)
  }

  /// The elements of block `block`.
  func range(_ block: Int) -> Range<Int> {
    start(block)..<start(block + 1)
  }

  /// The elements of the consecutive blocks `blocks`.
  func range(blocks: Range<Int>) -> Range<Int> {
    start(blocks.lowerBound)..<start(blocks.upperBound)
  }

  /// The size of the largest block.
  var largestBlock: Int { (count + parts - 1) / parts }
}

extension UnsafeMutableBufferPointer {
  /// The elements `range` of this buffer as a buffer of their own.
  func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
    UnsafeMutableBufferPointer(rebasing: self[range])
  }

  /// The first `count` elements of this buffer.
  func prefix(count: Int) -> UnsafeMutableBufferPointer<Element> {
    UnsafeMutableBufferPointer(rebasing: self[0..<count])
  }

  /// This buffer, read-only.
  var readOnly: UnsafeBufferPointer<Element> { UnsafeBufferPointer(self) }
}
