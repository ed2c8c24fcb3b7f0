import Foundation
import Measurements

#if canImport(Glibc)
  import Glibc
#endif

/// Where the agents run and how `mpirun` (or Slurm's `srun`) reaches them: builds the argument
/// vector for a benchmark, locates `mpirun` and `dlscale-agent`, and adds what running as root
/// and oversubscribing need.
struct Launcher {
  /// What starts the ranks: OpenMPI's `mpirun`, or Slurm's `srun` with PMIx (Debian's OpenMPI
  /// speaks PMIx to Slurm; its PMI2 support is not built, so `--mpi=pmi2` fails in MPI_Init).
  enum Kind: String, CaseIterable, Sendable {
    case mpirun, srun
  }

  struct SetupError: Error, CustomStringConvertible {
    var description: String
  }

  var mpirun: String
  var agent: String
  /// The mpirun arguments that say where ranks go: `--host localhost:N`, `--hostfile F`, or an
  /// emulated cluster's hostfile, launcher and interface flags.
  var placement: [String]
  /// Slots available without oversubscribing.
  var slots: Int
  var kind: Kind = .mpirun
  /// Who gives each rank its cores: mpirun or srun, per node (`--bind-to core`, `--cpu-bind`),
  /// or, for emulated hosts that all run on this machine, the agents themselves by world rank
  /// (`MachineCoreBinding`), since mpirun would bind every host's first rank to core 0.
  var binding: Binding = .perNode

  enum Binding: Equatable {
    case perNode
    /// Every host is this machine, with this many cores.
    case machine(cores: Int)
    /// Every host is this machine, each capped to a CPU share of it: ranks run unbound.
    case cappedHosts
  }

  /// Ranks as Slurm tasks: `srun` (at `path`) inside the current allocation, or a new one
  /// outside. Slots are the allocation's tasks (`SLURM_NTASKS`), else this host's cores.
  static func slurm(srun path: String, agent: String) -> Launcher {
    let tasks = ProcessInfo.processInfo.environment["SLURM_NTASKS"].flatMap { Int($0) }
    return Launcher(mpirun: path, agent: agent, placement: [], slots: tasks ?? localCores, kind: .srun)
  }
  /// More mpirun arguments from the user (`--mpirun-arg`), e.g. MCA parameters, before the agent.
  var extraArguments: [String] = []

  /// Ranks on this host only, one slot per core.
  static func local(mpirun: String, agent: String) -> Launcher {
    let cores = localCores
    return Launcher(mpirun: mpirun, agent: agent, placement: ["--host", "localhost:\(cores)"], slots: cores)
  }

  /// The number of online cores of this machine.
  static var localCores: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// Finds `mpirun` (an explicit path, `$DLSCALE_MPIRUN`, or `PATH`) and the agent (an explicit
  /// path, `$DLSCALE_AGENT`, or next to this executable).
  static func locate(mpirun explicitMPIRun: String?, agent explicitAgent: String?, kind: Kind = .mpirun) throws
    -> (String, String)
  {
    let environment = ProcessInfo.processInfo.environment
    let mpirunName =
      kind == .srun
      ? explicitMPIRun ?? environment["DLSCALE_SRUN"] ?? "srun"
      : explicitMPIRun ?? environment["DLSCALE_MPIRUN"] ?? "mpirun"
    guard let mpirun = findExecutable(mpirunName) else {
      if kind == .srun {
        throw SetupError(
          description: "srun not found ('\(mpirunName)'): install Slurm's client (apt-get install slurm-client)")
      }
      throw SetupError(
        description: "mpirun not found ('\(mpirunName)'): install OpenMPI (apt-get install openmpi-bin, or make deps)")
    }
    let ownDirectory = (executablePath() as NSString).deletingLastPathComponent
    let agent = explicitAgent ?? environment["DLSCALE_AGENT"] ?? (ownDirectory + "/dlscale-agent")
    guard FileManager.default.isExecutableFile(atPath: agent) else {
      throw SetupError(
        description: "dlscale-agent not found at \(agent) (build it with swift build, or set DLSCALE_AGENT)")
    }
    return (mpirun, agent)
  }

  /// `mpirun` arguments that start `ranks` agents running `benchmark` with `arguments`, each rank
  /// bound to `threads` cores of its own where there are enough, else unbound.
  func arguments(ranks: Int, threads: Int = 1, benchmark: String, arguments: [String]) -> [String] {
    let coresShort = sharesCores(ranks: ranks, threads: threads)
    if kind == .srun {
      // One task per rank; a failed rank ends the step; more tasks than CPUs need --overcommit.
      var result = [mpirun, "--ntasks", "\(ranks)", "--cpus-per-task", "\(threads)", "--mpi=pmix"]
      result += ["--kill-on-bad-exit=1", "--quiet"]
      result += coresShort ? ["--overcommit", "--cpu-bind=none"] : ["--cpu-bind=cores"]
      return result + [agent, benchmark] + arguments
    }
    var result = [mpirun, "-np", "\(ranks)"] + placement
    if oversubscribes(ranks: ranks) { result.append("--oversubscribe") }
    if oversubscribes(ranks: ranks) && !placement.contains("mpi_yield_when_idle") {
      result += ["--mca", "mpi_yield_when_idle", "1"]
    }
    // The user's own placement (--mpirun-arg --bind-to ..., a rankfile) wins over ours.
    let userPlaces = extraArguments.contains { ["--bind-to", "--map-by", "--rankfile", "--cpu-set"].contains($0) }
    switch binding {
    case _ where userPlaces:
      break
    case .perNode where coresShort:
      result += ["--bind-to", "none"]
    case .perNode:
      result += ["--map-by", "slot:PE=\(threads)", "--bind-to", "core"]
    case .cappedHosts:
      result += ["--bind-to", "none"]
    case .machine:
      result += ["--bind-to", "none"]
      if !coresShort { result += ["-x", "\(MachineCoreBinding.environmentVariable)=\(threads)"] }
    }
    result += extraArguments
    result += [agent, benchmark] + arguments
    return result
  }

  func oversubscribes(ranks: Int) -> Bool { ranks > slots }

  /// Whether `ranks` ranks of `threads` threads each are more than there are cores to bind them
  /// to: more ranks than slots, more threads than this machine's cores (local runs and emulated
  /// hosts), or more than an allocation's tasks (srun).
  func sharesCores(ranks: Int, threads: Int) -> Bool {
    if oversubscribes(ranks: ranks) { return true }
    switch binding {
    case .machine(let cores): return !MachineCoreBinding(threadsPerRank: threads).fits(ranks: ranks, cores: cores)
    case .cappedHosts: return false
    case .perNode: return isLocal || kind == .srun ? ranks * threads > slots : false
    }
  }

  /// Ranks on this host only (`--host localhost:N`).
  var isLocal: Bool { placement.first == "--host" }

  /// One line for the user when the ranks cannot each have cores of their own, nil otherwise.
  func sharingWarning(ranks: Int, threads: Int) -> String? {
    guard sharesCores(ranks: ranks, threads: threads) else { return nil }
    let asked = threads > 1 ? "\(ranks) ranks × \(threads) threads" : "\(ranks) ranks"
    if oversubscribes(ranks: ranks) {
      return "\(asked) on \(slots) slot(s): oversubscribed, unbound, timings include time sharing"
    }
    if case .machine(let cores) = binding {
      return "\(asked) of the emulated hosts on this machine's \(cores) cores: unbound, the kernel shares the cores"
    }
    return "\(asked) on \(slots) core(s): oversubscribed, unbound, timings include time sharing"
  }

  /// The environment for mpirun: this process's, plus OpenMPI's consent to run as root.
  var environment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    if geteuid() == 0 {
      environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
      environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    }
    return environment
  }

  static func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  }

  static func findExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}
