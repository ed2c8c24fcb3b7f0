import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a command (an argument vector, never a shell string) in a process group of its own,
/// streams its stdout and stderr line by line, and kills it and every process below it on
/// timeout or when the coordinator is interrupted, so that no mpirun, orted or agent is left
/// behind. Supervised (the default), the command runs under `dlscale supervise`, which takes it
/// down if the coordinator itself is killed (see SuperviseCommand).
struct ProcessRunner {
  struct Outcome {
    /// Exit status, or 128 + signal number when killed by a signal.
    var status: Int32
    var timedOut: Bool
    /// The last lines of stderr (for failure records).
    var stderrTail: [String]
  }

  struct LaunchError: Error, CustomStringConvertible {
    var description: String
  }

  var arguments: [String]
  var environment: [String: String]
  var timeout: Double?
  /// Run under `dlscale supervise`, so that the command dies with the coordinator.
  var supervised = true

  /// Starts the process and calls `onStdout`/`onStderr` for each complete line until it exits.
  func run(onStdout: (String) throws -> Void, onStderr: (String) -> Void) throws -> Outcome {
    precondition(!arguments.isEmpty)
    var stdoutPipe: [Int32] = [0, 0]
    var stderrPipe: [Int32] = [0, 0]
    guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
      throw LaunchError(description: "cannot create pipes: \(String(cString: strerror(errno)))")
    }
    for fd in stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)

    let command =
      supervised ? [Launcher.executablePath(), "supervise", "\(getpid())", "--"] + arguments : arguments
    let argv = command.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv + envp { free(pointer) }
    }
    // The supervisor is this very program: started through /proc/self/exe, it runs even when
    // the file it was started from has been replaced since (a rebuild during a long sweep).
    let path = supervised && FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : command[0]
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, path, &actions, &attributes, argv, envp)
    close(stdoutPipe[1])
    close(stderrPipe[1])
    guard spawned == 0 else {
      close(stdoutPipe[0])
      close(stderrPipe[0])
      let what = supervised ? "\(command[0]) supervise (to run \(arguments[0]))" : arguments[0]
      throw LaunchError(description: "cannot run \(what): \(String(cString: strerror(spawned)))")
    }
    ChildGroup.register(pid)
    defer { ChildGroup.register(0) }

    let deadline = timeout.map { Date().addingTimeInterval($0) }
    let streams = [LineStream(fd: stdoutPipe[0]), LineStream(fd: stderrPipe[0])]
    var tail: [String] = []
    var timedOut = false
    var callbackError: Error?
    while streams.contains(where: { $0.isOpen }) {
      var fds = streams.filter(\.isOpen).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
      var waitMs: Int32 = 500
      if let deadline {
        let left = deadline.timeIntervalSinceNow
        if left <= 0 {
          timedOut = true
          break
        }
        waitMs = Int32(min(500, max(1, left * 1000)))
      }
      let ready = poll(&fds, nfds_t(fds.count), waitMs)
      if ready < 0 && errno != EINTR { break }
      for index in streams.indices where streams[index].isOpen {
        for line in streams[index].readAvailable() {
          if index == 0 {
            do { try onStdout(line) } catch {
              callbackError = error
            }
          } else {
            onStderr(line)
            tail.append(line)
            if tail.count > 20 { tail.removeFirst() }
          }
        }
      }
      if callbackError != nil { break }
    }
    var status: Int32 = 0
    var reaped = false
    if timedOut || callbackError != nil {
      status = ChildGroup.kill(pid)
      reaped = true
    }
    for stream in streams { stream.close() }
    while !reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // Whatever the leader's fate, leave no member of its group behind.
    Glibc.kill(-pid, SIGKILL)
    if let callbackError { throw callbackError }
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Outcome(status: exitStatus, timedOut: timedOut, stderrTail: tail)
  }
}

/// Reads a pipe without blocking and splits it into lines.
private final class LineStream {
  let fd: Int32
  private(set) var isOpen = true
  private var pending: [UInt8] = []

  init(fd: Int32) {
    self.fd = fd
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
  }

  func readAvailable() -> [String] {
    var chunk = [UInt8](repeating: 0, count: 65536)
    var lines: [String] = []
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count > 0 {
        pending += chunk[..<count]
        continue
      }
      if count == 0 { isOpen = false }
      break
    }
    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
      lines.append(String(decoding: pending[..<newline], as: UTF8.self))
      pending.removeSubrange(...newline)
    }
    if !isOpen && !pending.isEmpty {
      lines.append(String(decoding: pending, as: UTF8.self))
      pending.removeAll()
    }
    return lines
  }

  private var closed = false

  func close() {
    if !closed { Glibc.close(fd) }
    closed = true
    isOpen = false
  }
}

/// The process group of the running child, so that SIGINT/SIGTERM to the coordinator can take
/// the whole group down with it. Only async-signal-safe calls happen in the handler.
enum ChildGroup {
  nonisolated(unsafe) private static var current: pid_t = 0

  static func register(_ pid: pid_t) { current = pid }

  /// SIGTERM to the group (mpirun then stops its ranks, which live in groups of their own), up
  /// to two seconds' grace, then SIGKILL to the group and to every process seen below `pid`.
  /// SIGTERM does not act on a stopped process, SIGKILL does. Reaps `pid`; returns its wait
  /// status.
  static func kill(_ pid: pid_t) -> Int32 {
    var seen = Set(ProcessTree.descendants(of: pid))
    Glibc.kill(-pid, SIGTERM)
    var status: Int32 = 0
    var reaped = false
    for _ in 0..<20 {
      usleep(100_000)
      seen.formUnion(ProcessTree.descendants(of: pid))
      if waitpid(pid, &status, WNOHANG) == pid {
        reaped = true
        break
      }
    }
    ProcessTree.kill(Array(seen))
    Glibc.kill(-pid, SIGKILL)
    if !reaped { while waitpid(pid, &status, 0) < 0 && errno == EINTR {} }
    return status
  }

  /// Installs handlers for SIGINT and SIGTERM that pass SIGTERM to the child group (mpirun stops
  /// its ranks; the supervisor sees the coordinator gone and kills whatever is left) and exit
  /// 130/143.
  static func installSignalHandlers() {
    let handler: @convention(c) (Int32) -> Void = { signal in
      let group = ChildGroup.current
      if group > 0 { Glibc.kill(-group, SIGTERM) }
      _exit(128 + signal)
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
  }
}
