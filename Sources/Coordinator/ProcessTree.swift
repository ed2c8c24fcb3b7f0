import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The processes descended from one process, read from /proc. OpenMPI puts every rank it starts
/// in a process group of its own, so killing mpirun's group does not reach the ranks; the kill
/// paths take a snapshot of the descendants first and kill those too.
enum ProcessTree {
  /// Every live descendant of `root` (children, grandchildren, ...), not `root` itself.
  static func descendants(of root: pid_t) -> [pid_t] {
    var children: [pid_t: [pid_t]] = [:]
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = pid_t(entry), let parent = parentOf(pid) else { continue }
      children[parent, default: []].append(pid)
    }
    var result: [pid_t] = []
    var frontier = [root]
    while let next = frontier.popLast() {
      for child in children[next] ?? [] where !result.contains(child) {
        result.append(child)
        frontier.append(child)
      }
    }
    return result
  }

  /// The parent pid from /proc/PID/stat (the field after the parenthesised command name).
  static func parentOf(_ pid: pid_t) -> pid_t? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 1 else { return nil }
    return pid_t(fields[1])
  }

  /// SIGKILL to each of `pids` (a stopped process dies of SIGKILL too, no SIGCONT needed).
  static func kill(_ pids: [pid_t]) {
    for pid in pids { Glibc.kill(pid, SIGKILL) }
  }
}
