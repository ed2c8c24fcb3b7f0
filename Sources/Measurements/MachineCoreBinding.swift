/// How the ranks of emulated hosts, which all run on this one machine, get distinct cores.
/// mpirun cannot do it: it sees each network namespace as a node of its own and binds every
/// node's first rank to that node's first core, so all hosts' ranks shared core 0 while the
/// other cores idled. The coordinator launches such ranks unbound and names this binding in the
/// environment; each agent then binds itself, by its world rank, before it starts any work.
public struct MachineCoreBinding: Equatable, Sendable {
  /// The variable that carries the binding to the agents (its value: threads per rank).
  public static let environmentVariable = "DLSCALE_BIND_MACHINE_CORES"

  public var threadsPerRank: Int

  public init(threadsPerRank: Int) { self.threadsPerRank = max(1, threadsPerRank) }

  /// Whether `ranks` ranks of this many threads each fit on distinct cores of a machine with
  /// `cores`; when they do not, they stay unbound and the kernel shares every core among them.
  public func fits(ranks: Int, cores: Int) -> Bool { ranks * threadsPerRank <= cores }

  /// The cores of world rank `rank`: the next `threadsPerRank` after the ranks before it.
  public func cores(ofRank rank: Int) -> [Int] {
    Array(rank * threadsPerRank..<(rank + 1) * threadsPerRank)
  }

  /// The binding an agent was asked for, from its environment, and its world rank as the
  /// launcher set it (mpirun's `OMPI_COMM_WORLD_RANK`, PMIx's `PMIX_RANK`); nil when neither.
  public static func requested(in environment: [String: String]) -> (binding: MachineCoreBinding, rank: Int)? {
    guard let threads = environment[environmentVariable].flatMap({ Int($0) }), threads > 0,
      let rank = (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"]).flatMap({ Int($0) })
    else { return nil }
    return (MachineCoreBinding(threadsPerRank: threads), rank)
  }
}
