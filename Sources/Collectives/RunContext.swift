import Measurements

/// What every record of a run carries: the run id, the ranks, the host of each rank, the MPI
/// library and the command line. Built collectively (every rank must call `gather`).
public struct RunContext {
  public var runId: String
  public var ranks: Int
  public var rankHosts: [String]
  /// Each rank's CPU affinity when the run started (`taskset -c` lists), index = rank.
  public var rankCores: [String]
  public var mpiLibrary: String
  public var command: [String]

  /// Distinct node count.
  public var hosts: Int { Set(rankHosts).count }

  /// Gathers the processor name of every rank to all ranks. `runId` and `command` are rank 0's.
  public static func gather(on communicator: Communicator, runId: String?, command: [String]) throws -> RunContext {
    let name = try Communicator.processorName()
    // Every rank needs the map (hierarchical algorithms, training), so gather then broadcast.
    var names = try communicator.gather(name, root: 0)
    names = try communicator.broadcast(strings: names, root: 0)
    let cores = try communicator.gather(CPUAffinity.current()?.description ?? "unknown", root: 0)
    var id = Array((runId ?? Record.newRunId()).utf8)
    id = try communicator.broadcast(bytes: id, root: 0)
    return RunContext(
      runId: String(decoding: id, as: UTF8.self), ranks: communicator.size, rankHosts: names, rankCores: cores,
      mpiLibrary: MPI.libraryVersion(), command: command)
  }

  /// The header line that says where each rank runs: "# binding: rank 0 on vm cores 0, rank 1 on
  /// vm cores 1", with a note when ranks of one host share a core.
  public var bindingLine: String {
    let ranks = zip(rankHosts, rankCores).enumerated().map {
      "rank \($0.offset) on \($0.element.0) cores \($0.element.1)"
    }
    var line = "# binding: " + ranks.joined(separator: ", ")
    let shared = CPUAffinity.ranksShareCores(hosts: rankHosts, lists: rankCores)
    if shared { line += " (ranks of one host share cores)" }
    return line
  }

  /// A record of `kind` with the run metadata filled in.
  public func record(_ kind: Record.Kind) -> Record {
    var record = Record(kind: kind, runId: runId)
    record.ranks = ranks
    record.hosts = hosts
    record.rankHosts = rankHosts
    record.rankCores = rankCores.isEmpty ? nil : rankCores
    record.mpiLibrary = mpiLibrary
    record.command = command
    return record
  }
}

extension Communicator {
  /// Broadcasts a byte array of any length from `root` (length first, then the bytes).
  public func broadcast(bytes: [UInt8], root: Int) throws -> [UInt8] {
    var length = [Int64(bytes.count)]
    try length.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length[0]))
    try result.withUnsafeMutableBufferPointer { try broadcast($0, root: root) }
    return result
  }

  /// Broadcasts a list of strings from `root`.
  public func broadcast(strings: [String], root: Int) throws -> [String] {
    let joined = Array(strings.joined(separator: "\n").utf8)
    let received = try broadcast(bytes: joined, root: root)
    return String(decoding: received, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init)
  }
}
