import Measurements

/// Node-aware allreduce (algorithm `hierarchical`): a binomial-tree reduce inside each node to
/// its leader (the node's rank 0), a segmented ring allreduce among the leaders, and a binomial
/// broadcast inside each node. Only the leaders' ring crosses the network, once per node rather
/// than once per rank.
///
/// Cost, p ranks, n bytes, q ranks per node, N = ⌈p/q⌉ nodes, one α, β, γ for both levels:
/// 2⌈lg q⌉α + 2⌈lg q⌉nβ + ⌈lg q⌉nγ (inside the nodes)
/// + 2(N−1)α + 2((N−1)/N)nβ + ((N−1)/N)nγ (ring among leaders).
/// `AllreduceKind.hierarchical.cost(ranks:bytes:ranksPerNode:)` with this instance's
/// `ranksPerNode` (1 for the registry's instance, where the topology is not known in advance:
/// ring's terms); the intra-node terms really run at
/// shared-memory α, β, so fitting one α, β to both levels is an approximation.
///
/// The node communicator (`splitByNode()`, or consecutive groups of ranks when emulating nodes)
/// and the leaders' communicator (`split(color:key:)`) are created collectively on the first
/// call on a communicator and cached for later calls on it; the cache holds the parent weakly.
///
/// Node sums use a fixed tree, the leaders' ring sums each chunk once, and everything else is
/// copied, so every rank ends with identical bits.
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
    /// The leaders' communicator on a leader; a communicator of the non-leaders elsewhere,
    /// never used.
    let leaders: any MessagePassing
    var isLeader: Bool { node.rank == 0 }
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
  ///   - ring: the algorithm among the leaders.
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
    try BinomialTree.reduce(
      buffer, scratch: scratch.buffer(of: T.self, count: buffer.count), on: topology.node, tag: Self.tag)
    if topology.isLeader {
      try ring.allreduce(buffer, across: topology.leaders)
    }
    try BinomialTree.broadcast(buffer, on: topology.node, tag: Self.tag)
  }

  /// The cached sub-communicators of `parent`, created (collectively) on first use.
  private func topology(of parent: some MessagePassing) throws -> Topology {
    topologies.removeAll { $0.parent == nil }
    if let known = topologies.first(where: { $0.parent === parent }) { return known }
    let node: any MessagePassing
    switch grouping {
    case .sharedMemory: node = try parent.splitByNode()
    case .consecutive(let k): node = try parent.split(color: parent.rank / k, key: parent.rank)
    }
    let leaders = try parent.split(color: node.rank == 0 ? 0 : 1, key: parent.rank)
    let topology = Topology(parent: parent, node: node, leaders: leaders)
    topologies.append(topology)
    return topology
  }
}
