import ArgumentParser
import Foundation
import Measurements

/// Options of every command that launches agents: how many ranks, where, how long at most, and
/// where the records go.
struct LaunchOptions: ParsableArguments {
  @Option(help: "Number of ranks (MPI processes).")
  var np: Int = 2

  @Option(help: "OpenMPI hostfile naming the nodes (default: this host, one slot per core).")
  var hostfile: String?

  @Option(help: "Run on the emulated cluster NAME (see `dlscale cluster up`).")
  var cluster: String?

  @Option(help: "Seconds before a run is killed (the whole mpirun process group).")
  var timeout: Double = 600

  @Option(
    help: "What starts the ranks: mpirun, or srun (Slurm, inside or outside an allocation; PMIx).",
    transform: Launcher.Kind.parse)
  var launcher: Launcher.Kind = .mpirun

  @Option(help: "The mpirun (or srun) to use (default: $DLSCALE_MPIRUN/$DLSCALE_SRUN or the one on PATH).")
  var mpirun: String?

  @Option(help: "The dlscale-agent to launch (default: $DLSCALE_AGENT or the one next to dlscale).")
  var agent: String?

  @Option(
    name: .customLong("mpirun-arg"), parsing: .unconditionalSingleValue,
    help: "One more argument for mpirun, before the agent (repeatable): --mpirun-arg --mca --mpirun-arg NAME ...")
  var mpirunArguments: [String] = []

  func validate() throws {
    guard np > 0 else { throw ValidationError("--np must be a positive rank count, got \(np)") }
    guard np <= 4096 else { throw ValidationError("--np \(np) is more ranks than dlscale supports (4096)") }
    guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
    if hostfile != nil && cluster != nil { throw ValidationError("give --hostfile or --cluster, not both") }
    if mpirunArguments.contains(where: \.isEmpty) { throw ValidationError("--mpirun-arg must not be empty") }
    _ = try launcherKind()
  }

  /// The launcher named by --launcher, checked against the placement options.
  func launcherKind() throws -> Launcher.Kind {
    let kind = launcher
    if kind == .srun && (hostfile != nil || cluster != nil) {
      throw ValidationError("--launcher srun places ranks by the Slurm allocation: drop --hostfile/--cluster")
    }
    if kind == .srun && !mpirunArguments.isEmpty {
      throw ValidationError(
        "--mpirun-arg applies to mpirun only: with --launcher srun set MCA parameters as OMPI_MCA_NAME=VALUE in the environment"
      )
    }
    return kind
  }

  /// The launcher for these options: checks mpirun, the agent and the hostfile or cluster.
  func makeLauncher() throws -> Launcher {
    var launcher = try makePlacedLauncher()
    launcher.extraArguments = mpirunArguments
    return launcher
  }

  private func makePlacedLauncher() throws -> Launcher {
    let kind = try launcherKind()
    let (mpirunPath, agentPath) = try Launcher.locate(mpirun: mpirun, agent: agent, kind: kind)
    if kind == .srun { return Launcher.slurm(srun: mpirunPath, agent: agentPath) }
    if let cluster {
      let emulated = try EmulatedCluster.load(name: cluster)
      return Launcher(
        mpirun: mpirunPath, agent: agentPath, placement: emulated.mpirunArguments, slots: emulated.slots,
        binding: emulated.binding)
    }
    if let hostfile {
      let file = try Hostfile.load(path: hostfile, defaultSlots: 1)
      try file.checkHostsResolve()
      return Launcher(
        mpirun: mpirunPath, agent: agentPath, placement: ["--hostfile", file.path], slots: file.totalSlots)
    }
    return Launcher.local(mpirun: mpirunPath, agent: agentPath)
  }
}

extension Launcher.Kind {
  /// `--launcher`'s value, refused in one line naming the launchers.
  static func parse(_ text: String) throws -> Launcher.Kind {
    guard let kind = Launcher.Kind(rawValue: text) else {
      throw ValidationError("--launcher must be mpirun or srun, got '\(text)'")
    }
    return kind
  }
}

/// Prints one line on stderr.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// An error that is one line for the user.
struct CommandError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Parses a size list for an option, as a validation error.
func parseSizes(_ text: String, option: String) throws -> [Int] {
  do { return try ByteSize.parseList(text) } catch { throw ValidationError("\(option): \(error.description)") }
}
