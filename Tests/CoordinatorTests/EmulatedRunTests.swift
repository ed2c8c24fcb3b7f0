import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// dlscale's own commands across emulated hosts: every algorithm validated on 4 hosts (and the
/// hierarchical one on hosts of two ranks), the p2p matrix finding a slow host, and a fit that
/// recovers the configured link rate. Root, ip, tc and mpirun are needed; without them these
/// are skipped and `ClusterTests.skipsOnlyForAReasonThatHolds` says why.
@Suite(.serialized) struct EmulatedRunTests {
  static let enabled = ClusterTests.missingForMPI == nil

  private func dlscale(_ arguments: [String]) throws -> Executables.Result {
    try Executables.run([Executables.coordinator] + arguments, environment: ClusterTests.environment)
  }

  @Test(.enabled(if: enabled, "needs root, ip, tc and mpirun"))
  func everyAlgorithmIsExactOnFourHosts() throws {
    try ClusterTests.withCluster("talgo", ["--hosts", "4", "--rate", "1gbit"]) { _ in
      let output = try Executables.temporaryDirectory() + "/ar.jsonl"
      let result = try dlscale([
        "allreduce", "--np", "4", "--cluster", "talgo", "--algorithms", "all", "--sizes", "0,4,12,4100,262148",
        "--iterations", "3", "--warmup", "1", "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let records = try ResultsFile(path: output).read().records
      #expect(records.count == AlgorithmName.all.count * 5)
      #expect(records.allSatisfy { $0.hosts == 4 && $0.wrong == 0 }, "\(records.filter { $0.wrong != 0 })")
    }
  }

  /// mpirun sees each emulated host as a node of its own and would bind every host's rank to its
  /// first core, all of them on core 0: each host's rank must run on a core of its own.
  @Test(.enabled(if: enabled && Launcher.localCores >= 2, "needs root, ip, tc, mpirun and 2 cores"))
  func emulatedHostsRanksRunOnDistinctCores() throws {
    try ClusterTests.withCluster("tbind", ["--hosts", "2", "--rate", "1gbit"]) { _ in
      let output = try Executables.temporaryDirectory() + "/bind.jsonl"
      let result = try dlscale([
        "train", "--np", "2", "--cluster", "tbind", "--model", "deepmnist", "--batch", "2", "--steps", "1",
        "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let cores = try ResultsFile(path: output).read().records.first?.rankCores ?? []
      #expect(cores.count == 2 && Set(cores).count == 2, "ranks' cores: \(cores)")
      #expect(cores.allSatisfy { CPUAffinity(list: $0)?.cores.count == 1 }, "each rank on one core: \(cores)")
      #expect(result.stdout.contains("rank 1 on dls-tbind-h2 cores"), "\(result.stdout)")
    }
  }

  /// The PyTorch engine across emulated hosts: rank 0's rendezvous at the first host's address,
  /// DDP over gloo between the namespaces, one rank per host.
  @Test(
    .enabled(
      if: enabled && PyTorchEngineTests.torchAvailable, "needs root, ip, tc, mpirun and /usr/bin/python3 with torch"))
  func pytorchEngineTrainsAcrossHosts() throws {
    try ClusterTests.withCluster("ttorch", ["--hosts", "2", "--rate", "1gbit"]) { _ in
      let output = try Executables.temporaryDirectory() + "/torch.jsonl"
      let result = try dlscale([
        "train", "--np", "2", "--cluster", "ttorch", "--engine", "pytorch", "--model", "sensornet", "--batch", "4",
        "--steps", "2", "--alone-steps", "1", "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let record = try #require(try ResultsFile(path: output).read().records.first)
      #expect(record.engine == "pytorch" && record.hosts == 2 && record.ranksAgree == true, "\(record)")
      #expect(Set(record.rankHosts ?? []) == ["dls-ttorch-h1", "dls-ttorch-h2"], "\(record.rankHosts ?? [])")
      #expect((record.commAloneMs ?? 0) > 0 && (record.samplesPerS ?? 0) > 0)
    }
  }

  @Test(.enabled(if: enabled, "needs root, ip, tc and mpirun"))
  func hierarchicalSplitsRealNodes() throws {
    try ClusterTests.withCluster("thier", ["--hosts", "2", "--rate", "1gbit", "--slots", "2"]) { _ in
      let output = try Executables.temporaryDirectory() + "/ar.jsonl"
      let result = try dlscale([
        "allreduce", "--np", "4", "--cluster", "thier", "--algorithms", "hierarchical,ring", "--sizes", "4,4100,1MiB",
        "--iterations", "3", "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let records = try ResultsFile(path: output).read().records
      #expect(records.count == 6)
      #expect(records.allSatisfy { $0.hosts == 2 && $0.wrong == 0 && $0.rankHosts?.count == 4 })
    }
  }

  @Test(.enabled(if: enabled, "needs root, ip, tc and mpirun"))
  func p2pMatrixFindsTheQuarterRateHost() throws {
    try ClusterTests.withCluster("tslow", ["--hosts", "4", "--rate", "1gbit", "--rate-of", "h3=250mbit"]) { _ in
      let output = try Executables.temporaryDirectory() + "/p2p.jsonl"
      let result = try dlscale([
        "p2p", "--np", "4", "--cluster", "tslow", "--sizes", "8,256KiB", "--iterations", "4", "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let records = try ResultsFile(path: output).read().records.filter { $0.bytes == 256 << 10 }
      #expect(records.count == 12)
      // A host's bandwidth: the mean over the pairs it takes part in.
      var byHost: [String: [Double]] = [:]
      for record in records {
        byHost[record.fromHost!, default: []].append(record.bandwidthGbps!)
        byHost[record.toHost!, default: []].append(record.bandwidthGbps!)
      }
      let means = byHost.mapValues { $0.reduce(0, +) / Double($0.count) }
      let slowest = means.min { $0.value < $1.value }!
      #expect(slowest.key == "dls-tslow-h3", "\(means)")
      let others = means.filter { $0.key != slowest.key }.values
      #expect(others.allSatisfy { $0 > 1.5 * slowest.value }, "\(means)")
      #expect(result.stdout.contains("\nSlow host: host dls-tslow-h3 is slow"), "\(result.stdout)")
    }
  }

  @Test(.enabled(if: enabled, "needs root, ip, tc and mpirun"))
  func fitRecoversTheConfiguredLinkRate() throws {
    try ClusterTests.withCluster("tfit", ["--hosts", "2", "--rate", "200mbit"]) { _ in
      let directory = try Executables.temporaryDirectory()
      let result = try dlscale([
        "p2p", "--np", "2", "--cluster", "tfit", "--sizes", "8,1MiB", "--iterations", "4", "--output",
        directory + "/p2p.jsonl",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let fit = try dlscale(["fit", directory + "/p2p.jsonl", "-o", directory + "/models.json"])
      #expect(fit.status == 0, "\(fit.stderr)")
      let json = try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: directory + "/models.json")))
      let links = try #require((json as? [String: Any])?["links"] as? [String: Any])
      let bandwidth = try #require(links["bandwidth_bytes_per_s"] as? Double)
      // 200 Mbit/s is 25e6 bytes/s on the wire; TCP/IP headers leave about 95.6% for payload.
      #expect(abs(bandwidth - 25e6) <= 0.10 * 25e6, "fitted \(bandwidth) B/s for a 25e6 B/s link")
    }
  }

  /// With `--comm-cpus`, every rank's communication thread runs in its host's comm cgroup (whose
  /// scheduler statistics count the periods it ran in) and the record says so. Skipped, visibly,
  /// without a writable cgroup v1 cpu controller: only there can one thread have a cgroup of
  /// its own.
  @Test(
    .enabled(if: enabled, "needs root, ip, tc and mpirun"),
    .enabled(if: ClusterTests.cpuCgroupV1Root != nil, "needs a writable cgroup v1 cpu controller"))
  func trainingRunsCommunicationOnReservedCPU() throws {
    let root = try #require(ClusterTests.cpuCgroupV1Root)
    try ClusterTests.withCluster("tresv", ["--hosts", "2", "--rate", "1gbit", "--cpus", "0.6", "--comm-cpus", "0.2"]) {
      _ in
      let periods = { (host: Int) -> Int? in
        let stat = try? String(contentsOfFile: "\(root)/dlscale-tresv/h\(host)/comm/cpu.stat", encoding: .utf8)
        return stat?.split(separator: "\n").first { $0.hasPrefix("nr_periods ") }.flatMap {
          Int($0.split(separator: " ")[1])
        }
      }
      // Setting a quota counts a period or two; the run must add the periods its threads ran in.
      let before = [1: try #require(periods(1)), 2: try #require(periods(2))]
      let output = try Executables.temporaryDirectory() + "/train.jsonl"
      let result = try dlscale([
        "train", "--np", "2", "--cluster", "tresv", "--model", "textcnn", "--batch", "2", "--steps", "2",
        "--bucket", "64KiB", "--overlap", "forward", "--output", output,
      ])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.contains("communication thread on CPU reserved for it"), "\(result.stdout)")
      let record = try #require(try ResultsFile(path: output).read().records.first)
      #expect(record.commCpuReserved == true && record.ranksAgree == true)
      #expect(
        record.trainingSetup?.hasSuffix(", communication CPU reserved") == true, "\(record.trainingSetup ?? "nil")")
      for host in [1, 2] {
        #expect((periods(host) ?? 0) > before[host]!, "h\(host)'s communication thread never ran in its cgroup")
      }
    }
  }
}
