import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The cores a process may run on (Linux `sched_getaffinity`), read and set for every thread of
/// the process, and written as `taskset -c` writes them ("0", "0-3,6").
public struct CPUAffinity: Equatable, Sendable, CustomStringConvertible {
  /// The cores, ascending.
  public var cores: [Int]

  public init(cores: [Int]) { self.cores = Array(Set(cores)).sorted() }

  /// glibc's `sched_getaffinity` and `sched_setaffinity`, looked up at run time: Swift's Glibc
  /// module leaves them out (they need `_GNU_SOURCE`), and a C target for two calls would be a
  /// shim with nothing else in it.
  private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
  private static let getAffinity: AffinityCall? = lookUp("sched_getaffinity")
  private static let setAffinity: AffinityCall? = lookUp("sched_setaffinity")

  private static func lookUp(_ name: String) -> AffinityCall? {
    guard let symbol = dlsym(nil, name) else { return nil }
    return unsafeBitCast(symbol, to: AffinityCall.self)
  }

  /// The calling thread's affinity (threads made later inherit it).
  public static func current() -> CPUAffinity? {
    var set = cpu_set_t()
    guard let getAffinity, getAffinity(0, MemoryLayout<cpu_set_t>.size, &set) == 0 else { return nil }
    let words = withUnsafeBytes(of: &set) { Array($0.bindMemory(to: UInt64.self)) }
    var cores: [Int] = []
    for (index, word) in words.enumerated() where word != 0 {
      for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { cores.append(index * 64 + bit) }
    }
    return CPUAffinity(cores: cores)
  }

  /// Binds every thread of this process (those OpenBLAS or MPI may already have started as well
  /// as the calling one, whose later threads inherit it) to these cores.
  public func applyToProcess() throws {
    var set = cpu_set_t()
    let capacity = MemoryLayout<cpu_set_t>.size * 8
    try withUnsafeMutableBytes(of: &set) { raw in
      let words = raw.bindMemory(to: UInt64.self)
      for core in cores {
        guard core >= 0, core < capacity else { throw AffinityError("core \(core) is beyond this build's CPU set") }
        words[core / 64] |= 1 << UInt64(core % 64)
      }
    }
    let threads =
      (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.compactMap { Int32($0) } ?? [0]
    guard let setAffinity = Self.setAffinity else { throw AffinityError("this C library has no sched_setaffinity") }
    for thread in threads where setAffinity(thread, MemoryLayout<cpu_set_t>.size, &set) != 0 {
      // A thread that ended since the listing is gone, not a failure.
      if errno == ESRCH { continue }
      throw AffinityError("cannot bind to cores \(self): \(String(cString: strerror(errno)))")
    }
  }

  /// "0-3,6": runs of consecutive cores as ranges.
  public var description: String {
    var parts: [String] = []
    var index = 0
    while index < cores.count {
      var end = index
      while end + 1 < cores.count && cores[end + 1] == cores[end] + 1 { end += 1 }
      parts.append(end == index ? "\(cores[index])" : "\(cores[index])-\(cores[end])")
      index = end + 1
    }
    return parts.joined(separator: ",")
  }

  /// Whether two ranks on one host have a core in common, from each rank's host and `taskset -c`
  /// list (index = rank); unreadable lists are left out.
  public static func ranksShareCores(hosts: [String], lists: [String]) -> Bool {
    var taken: [String: Set<Int>] = [:]
    for (host, list) in zip(hosts, lists) {
      guard let own = CPUAffinity(list: list).map({ Set($0.cores) }) else { continue }
      if !taken[host, default: []].isDisjoint(with: own) { return true }
      taken[host, default: []].formUnion(own)
    }
    return false
  }

  /// Reads a `taskset -c` list ("0-3,6"); nil when malformed.
  public init?(list: String) {
    var cores: [Int] = []
    for part in list.split(separator: ",", omittingEmptySubsequences: false) {
      let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
      switch bounds.count {
      case 1:
        guard let core = bounds[0], core >= 0 else { return nil }
        cores.append(core)
      case 2:
        guard let low = bounds[0], let high = bounds[1], low >= 0, low <= high else { return nil }
        cores += Array(low...high)
      default: return nil
      }
    }
    guard !cores.isEmpty else { return nil }
    self.init(cores: cores)
  }
}

public struct AffinityError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
