import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Ends the agent when the process that started it (mpirun, OpenMPI's orted, or slurmstepd) is
/// gone: OpenMPI starts each rank in a process group of its own, so a rank whose mpirun was
/// killed would otherwise live on, spinning in a collective that never completes. A background
/// thread compares the parent pid with the one at start, five times a second.
enum LauncherWatch {
  static func start() {
    let launcher = getppid()
    guard launcher > 1 else { return }
    let thread = Thread {
      while getppid() == launcher { usleep(200_000) }
      let message = "dlscale-agent: error: the launcher (pid \(launcher)) is gone; rank exiting\n"
      _ = message.withCString { write(2, $0, strlen($0)) }
      _exit(70)
    }
    thread.name = "launcher-watch"
    thread.start()
  }
}
