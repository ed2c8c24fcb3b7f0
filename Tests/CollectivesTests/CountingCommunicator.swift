import Collectives
import Foundation
import Measurements

/// Ranks run as threads of one process, exchanging real messages through shared mailboxes, so
/// that an algorithm's real schedule (its `allreduce(_:across:)`) runs unchanged and every
/// message, byte and local sum it makes is counted.
///
/// Each rank keeps a clock of α (messages), β (bytes) and γ (bytes reduced), each the longest
/// chain of dependent steps that ends at the rank. A message of s bytes is transferred once
/// its send and its receive are both posted: it ends at max(sender's clock at the send,
/// receiver's clock at the receive) + (1 message, s bytes); waiting for it (either side) moves
/// the waiting rank's clock up to that end. A local sum of s bytes adds s to γ. The largest
/// clock over the ranks when the schedule is done is what `AllreduceKind.cost` must equal.
final class CountingWorld: @unchecked Sendable {
  // @unchecked: every field below is read and written only while holding `condition`.
  private let condition = NSCondition()
  private var clocks: [CostTerms]
  private var sends: [Channel: [Message]] = [:]
  private var receivePosts: [Channel: [CostTerms]] = [:]
  private var splits: [SplitKey: [(color: Int, key: Int, member: Int)]] = [:]
  private var contexts: [SplitKey: Int] = [:]
  private var nextContext = 1

  /// One ordered stream of messages: MPI matches by communicator, source, destination and tag,
  /// in posting order.
  struct Channel: Hashable {
    var context: Int
    var source: Int
    var destination: Int
    var tag: Int
  }

  struct Message {
    var bytes: [UInt8]
    var sentAt: CostTerms
  }

  struct SplitKey: Hashable {
    var context: Int
    var sequence: Int
    var color: Int
  }

  let ranks: Int

  init(ranks: Int) {
    self.ranks = ranks
    clocks = Array(repeating: .zero, count: ranks)
  }

  /// Runs `body` on every rank, each on its own thread (a rank blocks in its receives), and
  /// returns the largest clock, component by component.
  func run(_ body: @escaping @Sendable (CountingCommunicator) throws -> Void) throws -> CostTerms {
    let finished = DispatchGroup()
    let failures = Failures()
    for rank in 0..<ranks {
      finished.enter()
      let thread = Thread {
        do {
          try body(CountingCommunicator(world: self, context: 0, members: Array(0..<self.ranks), rank: rank))
        } catch {
          failures.record("rank \(rank): \(error)")
        }
        finished.leave()
      }
      thread.start()
    }
    guard finished.wait(timeout: .now() + 60) == .success else { throw Failure(text: "schedule did not finish") }
    if let failure = failures.first { throw Failure(text: failure) }
    return condition.withLock {
      clocks.reduce(.zero) {
        CostTerms(alpha: max($0.alpha, $1.alpha), beta: max($0.beta, $1.beta), gamma: max($0.gamma, $1.gamma))
      }
    }
  }

  struct Failure: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
  }

  final class Failures: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var texts: [String] = []
    func record(_ text: String) { lock.withLock { texts.append(text) } }
    var first: String? { lock.withLock { texts.first } }
  }

  // MARK: Operations, called by the ranks' communicators

  func post(_ bytes: [UInt8], on channel: Channel) -> Int {
    condition.withLock {
      let message = Message(bytes: bytes, sentAt: clocks[channel.source])
      sends[channel, default: []].append(message)
      condition.broadcast()
      return sends[channel]!.count - 1
    }
  }

  func postReceive(on channel: Channel) -> Int {
    condition.withLock {
      receivePosts[channel, default: []].append(clocks[channel.destination])
      condition.broadcast()
      return receivePosts[channel]!.count - 1
    }
  }

  /// Waits until message `index` of `channel` has both ends posted; moves `rank`'s clock to the
  /// end of its transfer and returns its bytes.
  func complete(_ index: Int, on channel: Channel, by rank: Int) -> [UInt8] {
    condition.withLock {
      while (sends[channel]?.count ?? 0) <= index || (receivePosts[channel]?.count ?? 0) <= index {
        condition.wait()
      }
      let message = sends[channel]![index]
      let start = Self.latest(message.sentAt, receivePosts[channel]![index])
      let end = start + CostTerms(alpha: 1, beta: Double(message.bytes.count), gamma: 0)
      clocks[rank] = Self.latest(clocks[rank], end)
      return message.bytes
    }
  }

  func reduced(bytes: Int, by rank: Int) {
    condition.withLock { clocks[rank].gamma += Double(bytes) }
  }

  /// The members (world ranks, in new rank order) and context of `member`'s part of a split.
  func split(context: Int, sequence: Int, size: Int, color: Int, key: Int, member: Int) -> (
    context: Int, members: [Int]
  ) {
    condition.withLock {
      let all = SplitKey(context: context, sequence: sequence, color: -1)
      splits[all, default: []].append((color, key, member))
      condition.broadcast()
      while splits[all]!.count < size { condition.wait() }
      let group = splits[all]!.filter { $0.color == color }.sorted { ($0.key, $0.member) < ($1.key, $1.member) }
      let mine = SplitKey(context: context, sequence: sequence, color: color)
      if contexts[mine] == nil {
        contexts[mine] = nextContext
        nextContext += 1
      }
      return (contexts[mine]!, group.map(\.member))
    }
  }

  private static func latest(_ a: CostTerms, _ b: CostTerms) -> CostTerms {
    CostTerms(alpha: max(a.alpha, b.alpha), beta: max(a.beta, b.beta), gamma: max(a.gamma, b.gamma))
  }
}

/// One rank's view of a communicator of a `CountingWorld`.
final class CountingCommunicator: MessagePassing {
  let world: CountingWorld
  let context: Int
  /// World ranks of this communicator's ranks.
  let members: [Int]
  let rank: Int
  private var splitsMade = 0

  init(world: CountingWorld, context: Int, members: [Int], rank: Int) {
    self.world = world
    self.context = context
    self.members = members
    self.rank = rank
  }

  var size: Int { members.count }
  private var me: Int { members[rank] }

  /// A posted send or receive; `wait()` completes it.
  final class Pending: PendingOperation {
    let world: CountingWorld
    let channel: CountingWorld.Channel
    let index: Int
    let waiter: Int
    /// Where a receive copies the message's bytes.
    let destination: UnsafeMutableRawBufferPointer?
    private var done = false

    init(
      world: CountingWorld, channel: CountingWorld.Channel, index: Int, waiter: Int,
      destination: UnsafeMutableRawBufferPointer?
    ) {
      self.world = world
      self.channel = channel
      self.index = index
      self.waiter = waiter
      self.destination = destination
    }

    func wait() throws {
      guard !done else { return }
      done = true
      let bytes = world.complete(index, on: channel, by: waiter)
      if let destination {
        precondition(bytes.count == destination.count, "message of \(bytes.count) B into \(destination.count) B")
        bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
      }
    }
  }

  func isend<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int) throws -> Pending {
    let channel = CountingWorld.Channel(context: context, source: me, destination: members[destination], tag: tag)
    let index = world.post(Array(UnsafeRawBufferPointer(buffer)), on: channel)
    return Pending(world: world, channel: channel, index: index, waiter: me, destination: nil)
  }

  func irecv<T: MPIElement>(into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int) throws -> Pending {
    let channel = CountingWorld.Channel(context: context, source: members[source], destination: me, tag: tag)
    let index = world.postReceive(on: channel)
    return Pending(
      world: world, channel: channel, index: index, waiter: me, destination: UnsafeMutableRawBufferPointer(buffer))
  }

  func send<T: MPIElement>(_ buffer: UnsafeBufferPointer<T>, to destination: Int, tag: Int) throws {
    try isend(buffer, to: destination, tag: tag).wait()
  }

  func receive<T: MPIElement>(into buffer: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int) throws {
    try irecv(into: buffer, from: source, tag: tag).wait()
  }

  func sendReceive<T: MPIElement>(
    _ outgoing: UnsafeBufferPointer<T>, to destination: Int, into incoming: UnsafeMutableBufferPointer<T>,
    from source: Int, tag: Int
  ) throws {
    let receive = try irecv(into: incoming, from: source, tag: tag)
    let send = try isend(outgoing, to: destination, tag: tag)
    try receive.wait()
    try send.wait()
  }

  func split(color: Int, key: Int) throws -> CountingCommunicator {
    splitsMade += 1
    let (context, group) = world.split(
      context: context, sequence: splitsMade, size: size, color: color, key: key, member: me)
    return CountingCommunicator(world: world, context: context, members: group, rank: group.firstIndex(of: me)!)
  }

  /// Every rank of a counting world shares one node.
  func splitByNode() throws -> CountingCommunicator {
    try split(color: 0, key: rank)
  }

  func sum<T: MPIFloatingPoint>(
    _ first: UnsafeBufferPointer<T>, _ second: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>
  ) {
    world.reduced(bytes: result.count * MemoryLayout<T>.stride, by: me)
    for index in result.indices { result[index] = first[index] + second[index] }
  }
}
