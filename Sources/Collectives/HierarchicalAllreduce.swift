import Measurements

/// Node-aware allreduce (algorithm `hierarchical`), q ranks per node and N nodes: a ring
/// reduce-scatter inside each node leaves node rank j with 1/q of the vector summed over its
/// node; rank j of every node then ring-allreduces that share with rank j of the others (q
/// rings of n/q bytes at once, one per node rank, so every rank's link carries a share); a ring
/// allgather inside each node gives every rank the whole sum. The schedule Horovod and NCCL
/// run across nodes, and the one `predict` prices (`NodeAllreducePricing`).
///
/// Cost, p = Nq ranks, n bytes, one α, β, γ for both levels (`AllreduceKind.cost` with this
/// instance's `ranksPerNode`):
/// 2(q−1)α + 2((q−1)/q)nβ + ((q−1)/q)nγ (inside the nodes)
/// + 2(N−1)α + 2((N−1)/N)(n/q)β + ((N−1)/N)(n/q)γ (across),
/// 2((p−1)/p)nβ in all, ring's bound, in 2(q − 1) + 2(N − 1) messages rather than 2(p − 1).
/// The registry's instance has `ranksPerNode` 1 (the topology is not known in advance: ring's
/// terms); the intra-node terms really run at shared-memory α, β, so fitting one α, β to both
/// levels is an approximation.
///
/// Nodes of unequal sizes have no common share to exchange: there the schedule is a binomial
/// reduce to each node's first rank, a ring among those leaders and a binomial broadcast,
/// 2⌈lg q⌉α + 2⌈lg q⌉nβ + ⌈lg q⌉nγ inside the nodes plus ring's terms for N ranks.
///
/// The node communicator (`splitByNode()`, or consecutive groups of ranks when emulating nodes)
/// and the communicator across nodes (`split(color:key:)`) are created collectively on the
/// first call on a communicator and cached for later calls on it; the cache holds the parent
/// weakly.
///
/// Every element is summed once in a fixed order (around the node's ring, then around the
/// nodes' ring) and otherwise only copied, so every rank ends with identical bits.
public final class HierarchicalAllreduce: ScheduledAllreduce {
  /// How ranks are grouped into nodes.
  public enum NodeGrouping: Sendable {
    /// Ranks that share memory (`MPI_Comm_split_type` with `MPI_COMM_TYPE_SHARED`).
    case sharedMemory
    /// Ranks 0..<k, k..<2k, ... form nodes: emulates multi-node runs on one machine.
    case consecutive(ranksPerNode: Int)
  }

  /// The sub-communicators of one parent communicator.
  private struct Topology {
    weak var parent: AnyObject?
    let node: any MessagePassing
    /// With nodes of equal sizes, the ranks of the same node rank on every node; otherwise the
    /// nodes' first ranks on a leader, and a communicator of the others (never used) elsewhere.
    let across: any MessagePassing
    let equalNodes: Bool
  }

  public let grouping: NodeGrouping
  public let ranksPerNode: Int
  private let ring: RingAllreduce
  private let scratch = ScratchStorage()
  private var topologies: [Topology] = []
  private static let tag = 0x6869

  /// - Parameters:
  ///   - grouping: how ranks form nodes.
  ///   - ranksPerNode: q in the cost model.
  ///   - ring: the algorithm inside and across nodes.
  public init(grouping: NodeGrouping = .sharedMemory, ranksPerNode: Int = 1, ring: RingAllreduce = RingAllreduce()) {
    if case .consecutive(let k) = grouping { precondition(k >= 1, "HierarchicalAllreduce: \(k) ranks per node") }
    precondition(ranksPerNode >= 1, "HierarchicalAllreduce: \(ranksPerNode) ranks per node")
    self.grouping = grouping
    self.ranksPerNode = ranksPerNode
    self.ring = ring
  }

  public var kind: AllreduceKind { .hierarchical }

  public func allreduce<T: MPIFloatingPoint, C: MessagePassing>(
    _ buffer: UnsafeMutableBufferPointer<T>, across communicator: C
  ) throws {
    guard communicator.size > 1, buffer.count > 0 else { return }
    let topology = try self.topology(of: communicator)
    if topology.equalNodes {
      let share = try ring.reduceScatter(buffer, across: topology.node)
      try ring.allreduce(buffer.slice(share), across: topology.across)
      try ring.allgather(buffer, across: topology.node)
    } else {
      try BinomialTree.reduce(
        buffer, scratch: scratch.buffer(of: T.self, count: buffer.count), on: topology.node, tag: Self.tag)
      if topology.node.rank == 0 {
        try ring.allreduce(buffer, across: topology.across)
      }
      try BinomialTree.broadcast(buffer, on: topology.node, tag: Self.tag)
    }
  }

  /// The cached sub-communicators of `parent`, created (collectively) on first use.
  private func topology(of parent: some MessagePassing) throws -> Topology {
    topologies.removeAll { $0.parent == nil }
    if let known = topologies.first(where: { $0.parent === parent }) { return known }
    let node: any MessagePassing
    let equalNodes: Bool
    switch grouping {
    case .sharedMemory:
      node = try parent.splitByNode()
      equalNodes = try Self.nodesAreEqual(node, parent)
    case .consecutive(let k):
      node = try parent.split(color: parent.rank / k, key: parent.rank)
      equalNodes = parent.size % k == 0 || k >= parent.size
    }
    let color = equalNodes ? node.rank : (node.rank == 0 ? 0 : 1)
    let across = try parent.split(color: color, key: parent.rank)
    let topology = Topology(parent: parent, node: node, across: across, equalNodes: equalNodes)
    topologies.append(topology)
    return topology
  }

  /// Whether every rank's node has as many ranks as this one's: every rank learns every rank's
  /// node size (a reduce and a broadcast of p numbers, once per communicator).
  private static func nodesAreEqual(_ node: any MessagePassing, _ parent: some MessagePassing) throws -> Bool {
    var sizes = [Double](repeating: 0, count: parent.size)
    var scratch = sizes
    sizes[parent.rank] = Double(node.size)
    try sizes.withUnsafeMutableBufferPointer { sizes in
      try scratch.withUnsafeMutableBufferPointer { scratch in
        try BinomialTree.reduce(sizes, scratch: scratch, on: parent, tag: tag)
        try BinomialTree.broadcast(sizes, on: parent, tag: tag)
      }
    }
    return sizes.allSatisfy { $0 == Double(node.size) }
  }
}
