import Foundation
import Measurements
import Testing

@testable import Coordinator

/// Emulated clusters for real: namespaces, links, rates, and mpirun across them. These need root,
/// `ip` and `tc` (and `mpirun`/`mpicc` for the MPI ones); without them they are skipped, and
/// `skipsOnlyForAReasonThatHolds` prints why. Every test takes its cluster down again, also on failure.
@Suite(.serialized) struct ClusterTests {
  /// Why the cluster tests cannot run here, or nil when they can.
  static let missingForClusters: String? = {
    if getuid() != 0 { return "needs root" }
    for tool in ["ip", "tc", "unshare"] where !ProcessRunning.isAvailable(tool) { return "needs \(tool)" }
    return nil
  }()

  static let missingForMPI: String? =
    missingForClusters ?? (["mpirun", "mpicc"].first { !ProcessRunning.isAvailable($0) }).map { "needs \($0)" }

  /// A state folder of its own, so tests never see or touch clusters made outside them.
  static let stateFolder = FileManager.default.temporaryDirectory.appendingPathComponent(
    "dlscale-cluster-tests-\(getpid())"
  ).path

  static var environment: [String: String] { ["DLSCALE_CLUSTER_STATE": stateFolder] }

  static func script(_ arguments: String...) throws -> ProcessRunning.Outcome {
    try script(arguments)
  }

  static func script(_ arguments: [String]) throws -> ProcessRunning.Outcome {
    try ProcessRunning.run(["bash", ProcessRunning.clusterScript] + arguments, environment: environment)
  }

  /// Brings up cluster `name` with `options`, runs `body` with it, and takes it down afterwards.
  static func withCluster(
    _ name: String, _ options: [String], _ body: (EmulatedCluster) throws -> Void
  ) throws {
    let up = try ProcessRunning.run(
      ["bash", ProcessRunning.clusterScript, "up", "--name", name] + options, environment: environment)
    defer { _ = try? script("down", "--name", name) }
    try #require(up.status == 0, "cluster.sh up failed: \(up)")
    try body(try EmulatedCluster.load(name: name, environment: environment))
  }

  /// mpirun over `cluster` with `arguments` after the placement flags.
  static func mpirun(_ cluster: EmulatedCluster, _ arguments: [String]) throws -> ProcessRunning.Outcome {
    try ProcessRunning.run(
      ["mpirun"] + cluster.mpirunArguments + arguments,
      environment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"])
  }

  /// The suite is skipped only for a reason that holds here (and says which).
  @Test func skipsOnlyForAReasonThatHolds() {
    if let missing = Self.missingForMPI { print("SKIPPED: emulated-cluster tests: \(missing)") }
    #expect(
      ProcessRunning.skipReasonHolds(Self.missingForClusters, tools: ["ip", "tc", "unshare"]),
      "clusters: \(Self.missingForClusters ?? "run")")
    #expect(
      ProcessRunning.skipReasonHolds(Self.missingForMPI, tools: ["ip", "tc", "unshare", "mpirun", "mpicc"]),
      "MPI on clusters: \(Self.missingForMPI ?? "run")")
  }

  @Test(.enabled(if: missingForClusters == nil, "emulated clusters need root, ip, tc and unshare"))
  func upIsIdempotentAndDownIsRepeatable() throws {
    try Self.withCluster("tlife", ["--hosts", "2", "--rate", "100mbit", "--rate-of", "h2=20mbit"]) { cluster in
      #expect(cluster.hostNames == ["dls-tlife-h1", "dls-tlife-h2"])
      #expect(cluster.hosts.map(\.rate) == ["100mbit", "20mbit"])
      let hostfile = try String(contentsOfFile: cluster.hostfile, encoding: .utf8)
      #expect(hostfile.split(separator: "\n").allSatisfy { $0.hasPrefix("dls-tlife-h") && $0.contains(" slots=") })
      let cidr = try String(contentsOfFile: cluster.directory + "/cidr", encoding: .utf8)
      #expect(cidr.trimmingCharacters(in: .whitespacesAndNewlines) == cluster.cidr)
      #expect(FileManager.default.isExecutableFile(atPath: cluster.launcher))

      let again = try Self.script("up", "--name", "tlife", "--hosts", "2")
      #expect(again.status == 0 && again.allText.contains("already up"), "\(again)")

      let status = try Self.script("status", "--name", "tlife")
      #expect(status.status == 0)
      #expect(status.output.components(separatedBy: "present").count - 1 == 2, "\(status)")
      #expect(status.output.contains("20mbit"))

      // The launcher runs a command in the host's namespace, under the host's own name.
      let remote = try ProcessRunning.run([
        cluster.launcher, "-x", "dls-tlife-h2", "hostname;", "ip", "-4", "-o", "addr",
      ])
      #expect(remote.output.hasPrefix("dls-tlife-h2\n"), "\(remote)")
      #expect(remote.output.contains(cluster.hosts[1].address), "\(remote)")
      let outsider = try ProcessRunning.run([cluster.launcher, "some-other-host", "true"])
      #expect(outsider.status != 0)

      // Each link's qdisc is a tbf at the host's rate.
      let qdisc = try ProcessRunning.run(["ip", "netns", "exec", "dls-tlife-h2", "tc", "qdisc", "show", "dev", "eth0"])
      #expect(qdisc.output.contains("tbf") && qdisc.output.contains("20Mbit"), "\(qdisc)")
    }
    let namespaces = try ProcessRunning.run(["ip", "netns", "list"])
    #expect(!namespaces.output.contains("dls-tlife-"))
    let secondDown = try Self.script("down", "--name", "tlife")
    #expect(secondDown.status == 0, "\(secondDown)")
    #expect(throws: EmulatedCluster.LoadError.self) {
      try EmulatedCluster.load(name: "tlife", environment: Self.environment)
    }
    let bridge = try ProcessRunning.run(["ip", "link", "show", "dlsbr-tlife"])
    #expect(bridge.status != 0)
  }

  /// The cgroup folder cluster.sh uses for per-host CPU limits here, or nil without a writable
  /// cpu controller.
  static let cpuCgroupRoot: String? = {
    let unified = "/sys/fs/cgroup/cgroup.subtree_control"
    if let controllers = try? String(contentsOfFile: unified, encoding: .utf8),
      controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "cpu" })
    {
      return "/sys/fs/cgroup"
    }
    for folder in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] where access(folder, W_OK) == 0 {
      return folder
    }
    return nil
  }()

  /// The burst of a `tc qdisc show` tbf line in bytes (tc writes `12027b`, `8Kb` or `1Mb`).
  static func burstBytes(_ text: String) -> Int? {
    let words = text.split(separator: " ")
    guard let index = words.firstIndex(of: "burst"), index + 1 < words.count else { return nil }
    var value = words[index + 1]
    guard value.hasSuffix("b") else { return nil }
    value.removeLast()
    let scale = value.hasSuffix("K") ? 1024 : value.hasSuffix("M") ? 1 << 20 : 1
    if scale > 1 { value.removeLast() }
    return Double(value).map { Int($0 * Double(scale)) }
  }

  @Test func burstsAreReadInTheirUnits() {
    #expect(Self.burstBytes("qdisc tbf 1: root rate 20Mbit burst 12027b lat 47.6ms") == 12027)
    #expect(Self.burstBytes("qdisc tbf 1: root rate 20Mbit burst 8Kb lat 49.2ms") == 8192)
    #expect(Self.burstBytes("qdisc noqueue 0: root") == nil)
  }

  @Test(.enabled(if: missingForClusters == nil, "emulated clusters need root, ip, tc and unshare"))
  func linksTakeTheMTUAndHostsTheirCPULimit() throws {
    guard let root = Self.cpuCgroupRoot else {
      print("SKIPPED: --cpus: no writable cgroup cpu controller here")
      let refused = try Self.script("up", "--name", "tcpu", "--hosts", "1", "--cpus", "0.5")
      defer { _ = try? Self.script("down", "--name", "tcpu") }
      #expect(refused.status != 0 && refused.errors.contains("cgroup"), "\(refused)")
      return
    }
    let folder = "\(root)/dlscale-tcpu"
    try Self.withCluster("tcpu", ["--hosts", "2", "--mtu", "6000", "--cpus", "0.5", "--rate-of", "h1=20mbit"]) {
      cluster in
      let link = try ProcessRunning.run(["ip", "netns", "exec", "dls-tcpu-h2", "ip", "link", "show", "eth0"])
      #expect(link.output.contains("mtu 6000"), "\(link)")
      // A slow link's burst still holds two full frames (tbf drops a packet larger than its
      // burst): about 12 KB here, where the rate alone would give 8 KiB.
      let qdisc = try ProcessRunning.run(["ip", "netns", "exec", "dls-tcpu-h1", "tc", "qdisc", "show", "dev", "eth0"])
      let burst = Self.burstBytes(qdisc.output)
      #expect((burst ?? 0) > 11_000, "\(qdisc)")
      // Half a core over a 10 ms period (shorter ones lose quota): 5 ms of CPU time every 10 ms.
      let limit = try Self.cpuLimit(of: "\(folder)/h2")
      #expect(limit.quota == 5000 && limit.period == 10000, "\(limit)")
      // What the launcher runs on h2 is in h2's cgroup.
      let remote = try ProcessRunning.run([cluster.launcher, "dls-tcpu-h2", "cat", "/proc/self/cgroup"])
      #expect(remote.output.contains("/dlscale-tcpu/h2"), "\(remote)")
      let status = try Self.script("status", "--name", "tcpu")
      #expect(status.output.contains("mtu 6000") && status.output.contains("cpus per host 0.5"), "\(status)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder), "cgroup \(folder) left after down")
    for bad in [["--mtu", "100"], ["--cpus", "0.01"], ["--cpus", "many"]] {
      let refused = try Self.script(["up", "--name", "tbad", "--hosts", "1"] + bad)
      #expect(refused.status != 0 && refused.errors.split(separator: "\n").count == 1, "\(bad): \(refused)")
    }
  }

  /// A cgroup's CPU quota and period in microseconds, from cgroup v2's `cpu.max` or v1's files.
  static func cpuLimit(of folder: String) throws -> (quota: Int, period: Int) {
    func read(_ file: String) throws -> [Int] {
      try String(contentsOfFile: "\(folder)/\(file)", encoding: .utf8).split(whereSeparator: \.isWhitespace)
        .compactMap { Int($0) }
    }
    if FileManager.default.fileExists(atPath: "\(folder)/cpu.max") {
      let values = try read("cpu.max")
      return (values.first ?? -1, values.count > 1 ? values[1] : -1)
    }
    return (try read("cpu.cfs_quota_us").first ?? -1, try read("cpu.cfs_period_us").first ?? -1)
  }

  /// The cgroup v1 cpu root, where `--comm-cpus` can move a single thread; nil elsewhere.
  static let cpuCgroupV1Root: String? = cpuCgroupRoot.flatMap { $0 == "/sys/fs/cgroup" ? nil : $0 }

  @Test(.enabled(if: missingForClusters == nil, "emulated clusters need root, ip, tc and unshare"))
  func hostsReserveCPUForCommunication() throws {
    guard let root = Self.cpuCgroupV1Root else {
      print("SKIPPED: --comm-cpus: no writable cgroup v1 cpu controller here")
      let refused = try Self.script("up", "--name", "tcomm", "--hosts", "1", "--cpus", "0.3", "--comm-cpus", "0.1")
      defer { _ = try? Self.script("down", "--name", "tcomm") }
      #expect(refused.status != 0 && refused.errors.contains("cgroup"), "\(refused)")
      return
    }
    let folder = "\(root)/dlscale-tcomm"
    try Self.withCluster("tcomm", ["--hosts", "2", "--cpus", "0.3", "--comm-cpus", "0.05"]) { cluster in
      // The host has both shares; its compute cgroup the compute cap, its comm cgroup the rest.
      // Over 10 ms, or longer where the quota would be under the kernel's 1 ms (0.05: 20 ms).
      for (path, quota, period) in [("h2", 3500, 10000), ("h2/compute", 3000, 10000), ("h2/comm", 1000, 20000)] {
        let limit = try Self.cpuLimit(of: "\(folder)/\(path)")
        #expect(limit.quota == quota && limit.period == period, "\(path): \(limit)")
      }
      // What the launcher runs is in the compute cgroup, and it can reach the comm cgroup's
      // thread file from inside the namespace (whose /sys is the namespace's own).
      let remote = try ProcessRunning.run([
        cluster.launcher, "dls-tcomm-h2",
        "cat /proc/self/cgroup; test -f \"$DLSCALE_COMM_CGROUP/tasks\" && echo joinable",
      ])
      #expect(remote.output.contains("/dlscale-tcomm/h2/compute"), "\(remote)")
      #expect(remote.output.contains("joinable"), "\(remote)")
      let status = try Self.script("status", "--name", "tcomm")
      #expect(status.output.contains("cpus per host 0.3 + 0.05 for communication"), "\(status)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder), "cgroup \(folder) left after down")
    for bad in [
      ["--comm-cpus", "0.1"], ["--cpus", "0.3", "--comm-cpus", "0"], ["--cpus", "0.3", "--comm-cpus", "x"],
    ] {
      let refused = try Self.script(["up", "--name", "tbad", "--hosts", "1"] + bad)
      #expect(refused.status != 0 && refused.errors.contains("--comm-cpus"), "\(bad): \(refused)")
      #expect(refused.errors.split(separator: "\n").count == 1, "\(bad): \(refused)")
    }
  }

  @Test(.enabled(if: missingForClusters == nil, "emulated clusters need root, ip, tc and unshare"))
  func linksTakeTheBurstGiven() throws {
    try Self.withCluster("tburst", ["--hosts", "1", "--burst", "70000"]) { _ in
      // Both ends of the link: inside the host and on the bridge side.
      let inner = try ProcessRunning.run(["ip", "netns", "exec", "dls-tburst-h1", "tc", "qdisc", "show", "dev", "eth0"])
      let outer = try ProcessRunning.run(["tc", "qdisc", "show", "dev", "dlstburst-h1"])
      for qdisc in [inner, outer] {
        let burst = Self.burstBytes(qdisc.output) ?? 0
        #expect(abs(burst - 70000) < 700, "\(qdisc)")
      }
      let status = try Self.script("status", "--name", "tburst")
      #expect(status.output.contains("tbf burst 70000"), "\(status)")
    }
    // Below two 9014-byte frames tbf would drop every full frame.
    for bad in [["--burst", "18000"], ["--burst", "lots"], ["--burst", "99999999999"]] {
      let refused = try Self.script(["up", "--name", "tbad", "--hosts", "1"] + bad)
      #expect(refused.status != 0 && refused.errors.contains("--burst"), "\(bad): \(refused)")
      #expect(refused.errors.split(separator: "\n").count == 1, "\(bad): \(refused)")
    }
  }

  @Test(.enabled(if: missingForClusters == nil, "emulated clusters need root, ip, tc and unshare"))
  func secondClusterGetsItsOwnSubnet() throws {
    try Self.withCluster("tfirst", ["--hosts", "1"]) { first in
      try Self.withCluster("tsecond", ["--hosts", "1"]) { second in
        #expect(first.cidr != second.cidr)
      }
      let taken = try Self.script("up", "--name", "tthird", "--hosts", "1", "--subnet", first.cidr)
      defer { _ = try? Self.script("down", "--name", "tthird") }
      #expect(taken.status != 0 && taken.allText.contains("already in use"), "\(taken)")
    }
  }

  @Test(.enabled(if: missingForMPI == nil, "mpirun on an emulated cluster needs root, ip, tc, mpirun and mpicc"))
  func mpirunReachesEveryHostUnderItsOwnName() throws {
    try Self.withCluster("thosts", ["--hosts", "4", "--slots", "2"]) { cluster in
      let outcome = try Self.mpirun(cluster, ["-np", "8", "hostname"])
      try #require(outcome.status == 0, "\(outcome)")
      let names = outcome.output.split(separator: "\n").map(String.init).sorted()
      #expect(names == cluster.hostNames.flatMap { [$0, $0] }, "\(outcome)")

      // One shared-memory communicator per emulated host, two ranks in each.
      let program = try PingPongProgram.build()
      let topology = try Self.mpirun(cluster, ["-np", "8", program, "1024", "1"])
      try #require(topology.status == 0, "\(topology)")
      #expect(topology.output.contains("nodes 4\n"), "\(topology)")
      #expect(PingPongProgram.nodeRanks(topology.output) == Array(repeating: 2, count: 8), "\(topology)")
    }
  }

  @Test(.enabled(if: missingForMPI == nil, "mpirun on an emulated cluster needs root, ip, tc, mpirun and mpicc"))
  func pingPongFindsTheHostAtAQuarterRate() throws {
    let rate = try DataRate(parsing: "200mbit")
    let slowRate = try DataRate(parsing: "50mbit")
    let options = ["--hosts", "4", "--rate", "200mbit", "--rate-of", "h2=50mbit"]
    try Self.withCluster("tspeed", options) { cluster in
      let program = try PingPongProgram.build()
      let outcome = try Self.mpirun(cluster, ["-np", "4", program, String(1 << 20), "3"])
      try #require(outcome.status == 0, "\(outcome)")
      let bandwidths = PingPongProgram.bandwidths(outcome.output)
      print("ping-pong 1 MiB, best of 3, MB/s by host:", bandwidths)
      try #require(bandwidths.count == 3, "\(outcome)")
      // Only the identification is checked here: absolute rates under a loaded machine belong
      // in the benchmarks (make bench), not in a test that must not be timing-sensitive.
      for (host, megabytesPerSecond) in bandwidths {
        let configured = (host == "dls-tspeed-h2" ? slowRate : rate).bytesPerSecond / 1e6
        #expect(
          megabytesPerSecond < 1.1 * configured, "\(host): \(megabytesPerSecond) MB/s above its \(configured) MB/s")
      }
      let slowest = bandwidths.min { $0.value < $1.value }
      #expect(slowest?.key == "dls-tspeed-h2")
      let fastest = bandwidths.values.max() ?? 0
      let ratio = fastest / (slowest?.value ?? 1)
      #expect(ratio > 2, "the quarter-rate host must stand out: ratio \(ratio)")
    }
  }
}
