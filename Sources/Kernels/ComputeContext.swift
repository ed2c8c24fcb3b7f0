import Dispatch

/// What a layer needs besides its tensors: the thread count for its own loops, training or
/// inference mode, the step number (dropout masks depend on it), and the shared scratch buffer.
public struct ComputeContext {
  /// Threads for the layers' own loops (OpenBLAS is set separately through `BLAS.setThreads`).
  public var threads: Int
  public var training: Bool
  /// Advanced once per training step; seeds per-step randomness such as dropout masks.
  public var step: Int
  public let workspace: Workspace

  public init(threads: Int = 1, training: Bool = true, step: Int = 0, workspace: Workspace = Workspace()) {
    self.threads = max(1, threads)
    self.training = training
    self.step = step
    self.workspace = workspace
  }

  /// Runs `body` over `0..<count` split into at most `threads` contiguous ranges, concurrently
  /// when more than one thread is allowed. `body` must only write what its range owns.
  @inline(__always)
  func forEachRange(of count: Int, minimumPerRange: Int = 1, _ body: (Range<Int>) -> Void) {
    forEachPart(of: count, minimumPerRange: minimumPerRange) { _, range in body(range) }
  }

  /// How many ranges `forEachRange` and `forEachPart` split `0..<count` into: one per thread,
  /// at most one per `minimumPerRange` items, at least one.
  func parts(of count: Int, minimumPerRange: Int = 1) -> Int {
    Swift.min(threads, Swift.max(1, count / Swift.max(1, minimumPerRange)))
  }

  /// `forEachRange`, also passing each range's index (0 for the first range, and so on): the
  /// ranges are `parts(of:minimumPerRange:)` near-equal parts.
  @inline(__always)
  func forEachPart(of count: Int, minimumPerRange: Int = 1, _ body: (Int, Range<Int>) -> Void) {
    let ranges = parts(of: count, minimumPerRange: minimumPerRange)
    if ranges <= 1 {
      body(0, 0..<count)
      return
    }
    withoutActuallyEscaping(body) { escapable in
      let loop = LoopBody(run: escapable)
      DispatchQueue.concurrentPerform(iterations: ranges) { part in
        loop.run(part, (count * part / ranges)..<(count * (part + 1) / ranges))
      }
    }
  }
}

/// Carries a loop body into `concurrentPerform`. Unchecked but safe: `concurrentPerform` returns
/// only after every iteration has finished, so the body never outlives its caller, and callers
/// give each range disjoint memory to write.
private struct LoopBody: @unchecked Sendable {
  let run: (Int, Range<Int>) -> Void
}

/// A scratch buffer shared by the layers of one network (they run one at a time): the im2col
/// columns of convolutions. Sized once when the network is built.
public final class Workspace {
  public private(set) var capacity = 0
  public private(set) var pointer: UnsafeMutablePointer<Float>
  /// False for a view of another workspace's memory, which it neither frees nor grows.
  private let owned: Bool

  public init() {
    owned = true
    pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
  }

  /// A view of `capacity` floats of memory owned elsewhere (a thread's part of a workspace).
  init(borrowing memory: UnsafeMutablePointer<Float>, capacity: Int) {
    owned = false
    pointer = memory
    self.capacity = capacity
  }

  deinit { if owned { pointer.deallocate() } }

  /// Grows the buffer to at least `count` floats (call while building, or once on a layer's
  /// first pass; never while a view of it is in use).
  public func reserve(_ count: Int) {
    guard count > capacity else { return }
    precondition(owned, "a borrowed workspace cannot grow")
    pointer.deallocate()
    pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    capacity = count
  }
}
