import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// Every rank gets cores of its own where the machine has them: mpirun binds per node, the
/// emulated hosts' agents bind themselves by world rank (mpirun would put every host's rank on
/// core 0), srun binds by task; ranks that cannot each have their cores run unbound and say so.
struct BindingTests {
  let local = Launcher(
    mpirun: "/usr/bin/mpirun", agent: "/a/dlscale-agent", placement: ["--host", "localhost:4"], slots: 4)

  private func value(after flag: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
  }

  @Test func localRanksBindToAsManyCoresAsTheirThreads() {
    let arguments = local.arguments(ranks: 2, threads: 2, benchmark: "train", arguments: [])
    #expect(value(after: "--map-by", in: arguments) == "slot:PE=2")
    #expect(value(after: "--bind-to", in: arguments) == "core")
    #expect(local.sharingWarning(ranks: 2, threads: 2) == nil)
  }

  @Test func moreThreadsThanCoresRunUnboundWithAWarning() {
    let arguments = local.arguments(ranks: 2, threads: 3, benchmark: "train", arguments: [])
    #expect(value(after: "--bind-to", in: arguments) == "none")
    #expect(!arguments.contains("--oversubscribe"), "2 ranks fit 4 slots; only their threads do not")
    #expect(local.sharingWarning(ranks: 2, threads: 3)?.contains("2 ranks × 3 threads on 4 core(s)") == true)
  }

  @Test func emulatedHostsBindThemselvesAcrossTheMachine() {
    var cluster = local
    cluster.placement = ["--hostfile", "/run/dlscale/clusters/c/hostfile"]
    cluster.binding = .machine(cores: 4)
    let two = cluster.arguments(ranks: 2, threads: 2, benchmark: "train", arguments: [])
    #expect(value(after: "--bind-to", in: two) == "none", "mpirun itself must not bind them")
    #expect(value(after: "-x", in: two) == "\(MachineCoreBinding.environmentVariable)=2")
    let three = cluster.arguments(ranks: 3, threads: 2, benchmark: "train", arguments: [])
    #expect(!three.contains("-x"), "6 threads on 4 cores stay unbound")
    #expect(cluster.sharingWarning(ranks: 3, threads: 2)?.contains("unbound") == true)
  }

  @Test func hostsCappedWithCPUsRunUnbound() throws {
    let config = "cidr=10.1.2.0/24\nslots=1\ncpus=0.45\nhost dls-c-h1 10.1.2.1 200mbit veth1\n"
    let capped = try EmulatedCluster.parse(config: config, name: "c", directory: "/d", file: "config")
    #expect(capped.cpusPerHost == 0.45)
    #expect(capped.binding == .cappedHosts)
    var cluster = local
    cluster.binding = capped.binding
    let arguments = cluster.arguments(ranks: 2, benchmark: "train", arguments: [])
    #expect(value(after: "--bind-to", in: arguments) == "none" && !arguments.contains("-x"))
    #expect(cluster.sharingWarning(ranks: 2, threads: 1) == nil, "the cap is each host's share, not a warning")
    let uncapped = try EmulatedCluster.parse(
      config: config.replacingOccurrences(of: "cpus=0.45\n", with: "cpus=\n"), name: "c", directory: "/d",
      file: "config")
    #expect(uncapped.binding == .machine(cores: Launcher.localCores))
  }

  @Test func theUsersOwnPlacementWins() {
    var launcher = local
    launcher.extraArguments = ["--bind-to", "socket"]
    let arguments = launcher.arguments(ranks: 2, benchmark: "allreduce", arguments: [])
    #expect(arguments.filter { $0 == "--bind-to" }.count == 1)
    #expect(value(after: "--bind-to", in: arguments) == "socket")
  }

  @Test func srunBindsTasksToCores() {
    let srun = Launcher(mpirun: "/usr/bin/srun", agent: "/a/dlscale-agent", placement: [], slots: 4, kind: .srun)
    let arguments = srun.arguments(ranks: 2, threads: 2, benchmark: "train", arguments: [])
    #expect(value(after: "--cpus-per-task", in: arguments) == "2")
    #expect(arguments.contains("--cpu-bind=cores"))
    #expect(srun.arguments(ranks: 3, threads: 2, benchmark: "train", arguments: []).contains("--cpu-bind=none"))
  }

  @Test func srunRefusesMPIRunArguments() {
    #expect {
      try LaunchOptions.parse([
        "--launcher", "srun", "--mpirun-arg", "--mca", "--mpirun-arg", "btl", "--mpirun-arg", "tcp",
      ])
    } throws: { error in
      LaunchOptions.message(for: error).contains("OMPI_MCA_")
    }
  }

  @Test func machineBindingGivesEachRankItsOwnCores() {
    let binding = MachineCoreBinding(threadsPerRank: 2)
    #expect(binding.cores(ofRank: 0) == [0, 1])
    #expect(binding.cores(ofRank: 1) == [2, 3])
    #expect(binding.fits(ranks: 2, cores: 4) && !binding.fits(ranks: 3, cores: 4))
    let asked = MachineCoreBinding.requested(in: [
      MachineCoreBinding.environmentVariable: "2", "OMPI_COMM_WORLD_RANK": "1",
    ])
    #expect(asked?.binding == binding && asked?.rank == 1)
    #expect(MachineCoreBinding.requested(in: ["OMPI_COMM_WORLD_RANK": "1"]) == nil)
  }

  /// Two local ranks on a machine of two cores or more run on different cores, and one rank of
  /// two threads on two; the header and the record say so.
  @Test(.enabled(if: Launcher.localCores >= 2, "needs at least 2 cores"))
  func localRanksRunOnDistinctCores() throws {
    let output = try Executables.temporaryDirectory() + "/bound.jsonl"
    let result = try Executables.run([
      Executables.coordinator, "allreduce", "--np", "2", "--sizes", "8", "--iterations", "2", "--warmup", "0",
      "--output", output,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let cores = try ResultsFile(path: output).read().records.first?.rankCores ?? []
    #expect(cores.count == 2 && Set(cores).count == 2, "ranks' cores: \(cores)")
    #expect(cores.allSatisfy { CPUAffinity(list: $0)?.cores.count == 1 }, "each rank on one core: \(cores)")
    #expect(result.stdout.contains("# binding: rank 0 on"))

    let threaded = try Executables.run([
      Executables.coordinator, "train", "--np", "1", "--threads", "2", "--model", "deepmnist", "--batch", "2",
      "--steps", "1", "--output", output,
    ])
    #expect(threaded.status == 0, "\(threaded.stderr)")
    let record = try ResultsFile(path: output).read().records.last
    #expect(record?.rankCores?.first.flatMap { CPUAffinity(list: $0) }?.cores.count == 2, "\(record?.rankCores ?? [])")
  }
}
