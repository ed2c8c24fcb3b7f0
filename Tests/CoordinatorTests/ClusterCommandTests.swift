import Foundation
import Measurements
import Testing

@testable import Coordinator

/// The parts of `dlscale cluster` that need no root: rates, names, reading a cluster's state,
/// finding the script.
@Suite struct ClusterCommandTests {
  @Test(arguments: [
    ("200mbit", "200mbit"), ("1gbit", "1gbit"), ("200MBIT", "200mbit"), ("512kbit", "512kbit"), ("1.5gbit", "1500mbit"),
    ("100Gb/s", "100gbit"), ("12.5GB/s", "100gbit"), ("1gbps", "1gbit"), ("25MB/s", "200mbit"),
  ])
  func ratesReachTheScriptInTrafficControlUnits(text: String, script: String) throws {
    #expect(TrafficControlRate.text(try DataRate(parsing: text)) == script)
  }

  @Test(arguments: ["1bit", "1500bit", "12345678mbit", "0.5kbit"])
  func ratesAnEmulatedLinkCannotTakeAreRefused(text: String) throws {
    #expect(TrafficControlRate.text(try DataRate(parsing: text)) == nil)
    #expect(throws: (any Error).self) {
      _ = try Coordinator.parseAsRoot(["cluster", "up", "--name", "lab", "--rate", text])
    }
  }

  @Test func validatesUpArguments() throws {
    _ = try Coordinator.parseAsRoot(["cluster", "up", "--name", "lab", "--hosts", "4", "--rate-of", "h4=1gbit"])
    let bad: [[String]] = [
      ["--name", "Lab"], ["--name", "toolongname"], ["--name", "9lab"],
      ["--name", "lab", "--hosts", "0"], ["--name", "lab", "--hosts", "33"],
      ["--name", "lab", "--rate", "fast"], ["--name", "lab", "--rate-of", "h5=50mbit"],
      ["--name", "lab", "--rate-of", "h2"], ["--name", "lab", "--rate-of", "h2=50mb"],
      ["--name", "lab", "--rate-of", "h2=1500bit"],
      ["--name", "lab", "--slots", "0"],
    ]
    for arguments in bad {
      #expect(throws: (any Error).self, "\(arguments)") {
        _ = try Coordinator.parseAsRoot(["cluster", "up"] + arguments)
      }
    }
  }

  @Test func readsStateFolder() throws {
    let config = """
      # dlscale emulated cluster; written by scripts/cluster.sh up
      name=lab
      hosts=2
      rate=200mbit
      slots=3
      cidr=10.213.9.0/24
      bridge=dlsbr-lab 10.213.9.254
      # host namespace address rate bridge-side-veth
      host dls-lab-h1 10.213.9.1 200mbit dlslab-h1
      host dls-lab-h2 10.213.9.2 50mbit dlslab-h2

      """
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-state-\(UUID())")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("lab"), withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try config.write(to: folder.appendingPathComponent("lab/config"), atomically: true, encoding: .utf8)

    let cluster = try EmulatedCluster.load(name: "lab", environment: ["DLSCALE_CLUSTER_STATE": folder.path])
    #expect(cluster.hostNames == ["dls-lab-h1", "dls-lab-h2"])
    #expect(cluster.hosts[1] == .init(name: "dls-lab-h2", address: "10.213.9.2", rate: "50mbit"))
    #expect(cluster.cidr == "10.213.9.0/24")
    #expect(cluster.slots == 6)
    #expect(cluster.hostfile == folder.path + "/lab/hostfile")
    let arguments = cluster.mpirunArguments
    #expect(arguments.starts(with: ["--hostfile", cluster.hostfile, "--mca", "plm_rsh_agent", cluster.launcher]))
    #expect(arguments.contains("btl_tcp_if_include") && arguments.contains("oob_tcp_if_include"))
    #expect(arguments.filter { $0 == "10.213.9.0/24" }.count == 2)
    // Two TCP connections per pair of ranks (one stalls when both send at once).
    #expect(arguments.firstIndex(of: "btl_tcp_links").map { arguments[$0 + 1] } == "2")

    #expect(throws: EmulatedCluster.LoadError.self) {
      try EmulatedCluster.load(name: "other", environment: ["DLSCALE_CLUSTER_STATE": folder.path])
    }
    #expect(throws: EmulatedCluster.LoadError.self) {
      try EmulatedCluster.parse(config: "cidr=10.0.0.0/24\nslots=1\n", name: "x", directory: "/x", file: "c")
    }
  }

  @Test func findsScriptAboveExecutableOrFromEnvironment() throws {
    let fromExecutable = try ClusterScript.locate(
      environment: [:], executablePath: ProcessRunning.packageRoot + "/.build/debug/dlscale",
      currentDirectory: "/")
    #expect(fromExecutable == ProcessRunning.clusterScript)
    let fromEnvironment = try ClusterScript.locate(
      environment: ["DLSCALE_SCRIPTS": ProcessRunning.packageRoot + "/scripts"], executablePath: nil,
      currentDirectory: "/")
    #expect(fromEnvironment == ProcessRunning.clusterScript)
    #expect(throws: ClusterScript.NotFound.self) {
      try ClusterScript.locate(environment: [:], executablePath: "/usr/bin/true", currentDirectory: "/")
    }
  }

  @Test func scriptRefusesWithoutRoot() throws {
    // As root, drop to `nobody` to see the refusal; otherwise the test process already lacks root.
    // `nobody` may not be able to enter the folder the repository was cloned into (root's home, a
    // `mktemp -d` folder), so it runs a copy of the script from a folder anyone can read; /tmp,
    // not $TMPDIR, which may be private too.
    let asUnprivileged =
      getuid() == 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    let folder = "/tmp/dlscale-cluster-script-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let script = folder + "/cluster.sh"
    try FileManager.default.copyItem(atPath: ProcessRunning.clusterScript, toPath: script)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script)
    let outcome = try ProcessRunning.run(asUnprivileged + ["bash", script, "up", "--name", "nobody"])
    #expect(outcome.status != 0)
    #expect(outcome.output.isEmpty, "\(outcome)")
    #expect(outcome.errors.contains("needs root"), "\(outcome)")
    #expect(outcome.errors.split(separator: "\n").count == 1, "\(outcome)")
  }
}
