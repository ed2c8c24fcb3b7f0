import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// `dlscale supervise PARENT -- COMMAND...` (hidden): the process the coordinator starts in place
/// of mpirun. It runs COMMAND in its own process group and exits with its status; if the
/// coordinator (PARENT) dies, even of SIGKILL, it takes COMMAND and every process below it down:
/// SIGTERM to COMMAND (mpirun then stops its ranks and remote daemons), two seconds' grace, then
/// SIGKILL to the group and to every descendant. So no mpirun outlives a killed coordinator.
struct SuperviseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "supervise",
    abstract: "Run a command and kill it and its descendants when the parent process dies.",
    shouldDisplay: false)

  @Argument(help: "The pid of the process whose death ends the command.")
  var parent: Int32

  @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
  var command: [String] = []

  func run() throws {
    let argv = command.first == "--" ? Array(command.dropFirst()) : command
    guard !argv.isEmpty else { throw ValidationError("supervise needs a command") }
    // The coordinator's Ctrl-C and timeout signals are for mpirun; this process stays to clean up.
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    signal(SIGHUP, SIG_IGN)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for caught in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, caught) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { for argument in cArguments { free(argument) } }
    var child: pid_t = 0
    let spawned = posix_spawnp(&child, argv[0], nil, &attributes, cArguments, environ)
    guard spawned == 0 else {
      throw CommandError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while true {
      let reaped = waitpid(child, &status, WNOHANG)
      if reaped == child { break }
      if reaped < 0 && errno != EINTR { break }
      if getppid() != parent {
        Self.takeDown(child)
        Foundation.exit(137)
      }
      usleep(100_000)
    }
    Foundation.exit((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
  }

  /// SIGTERM to `child`, up to two seconds for it to exit, then SIGKILL to everything below this
  /// process and to its group (this process included, last).
  static func takeDown(_ child: pid_t) {
    let me = getpid()
    var seen = Set(ProcessTree.descendants(of: me))
    kill(child, SIGTERM)
    for _ in 0..<20 {
      var status: Int32 = 0
      if waitpid(child, &status, WNOHANG) == child { break }
      seen.formUnion(ProcessTree.descendants(of: me))
      usleep(100_000)
    }
    seen.formUnion(ProcessTree.descendants(of: me))
    ProcessTree.kill(Array(seen))
    kill(-getpgrp(), SIGKILL)
  }
}
