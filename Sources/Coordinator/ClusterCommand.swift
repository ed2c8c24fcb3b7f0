import ArgumentParser
import Foundation
import Measurements

/// `dlscale cluster up|down|status`: an emulated multi-host cluster on this machine (network
/// namespaces joined by a bridge, each host's link rate set by a `tbf` qdisc), built by
/// `scripts/cluster.sh`. Needs root. Run commands take it with `--cluster NAME`.
struct ClusterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cluster",
    abstract: "Create, remove or list emulated multi-host clusters on this machine (needs root).",
    discussion: """
      Each host is a network namespace dls-NAME-hI with one veth link into a bridge; addresses \
      are in a private /24 that exists only inside this machine, and each link is rate-limited \
      in both directions (jumbo frames by default, --mtu; the tbf burst, --burst). --cpus caps each host's CPU time; --comm-cpus reserves more for communication threads. The hostfile, mpirun launcher and the cluster's system file \
      (system.yaml, for --system) are written to the cluster's state folder \
      (/run/dlscale/clusters/NAME).
      """,
    subcommands: [Up.self, Down.self, Status.self]
  )

  /// The cluster name rule shared with scripts/cluster.sh: it becomes part of interface names,
  /// which Linux limits to 15 characters.
  static func validate(name: String) throws {
    let isLetter = { (c: Character) in c.isASCII && c.isLowercase }
    let isDigit = { (c: Character) in c.isASCII && c.isNumber }
    guard let first = name.first, isLetter(first), name.count <= 8,
      name.allSatisfy({ isLetter($0) || isDigit($0) })
    else {
      throw ValidationError(
        "invalid cluster name '\(name)': 1 to 8 lowercase letters or digits, starting with a letter")
    }
  }

  /// Runs scripts/cluster.sh and exits with its status when it fails (it has already said why).
  static func runScript(_ arguments: [String]) throws {
    let status = try ClusterScript.run(arguments)
    if status != 0 { throw ExitCode(status) }
  }

  struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create an emulated cluster (a second `up` of the same name says so and succeeds).")

    @Option(help: "Cluster name: 1 to 8 lowercase letters or digits, starting with a letter.")
    var name: String

    @Option(help: "Number of hosts, 1 to 32.")
    var hosts: Int = 4

    @Option(
      help: "Link rate of every host, in both directions (default 200mbit): e.g. 50mbit, 1gbit, 1Gbps or 125MB/s.",
      transform: UnitArgument.rate)
    var rate = DataRate(bitsPerSecond: 200e6)

    @Option(
      name: .customLong("rate-of"),
      help: "A different rate for one host, as HOST=RATE with HOST h1…hN (e.g. h2=50mbit); repeatable.")
    var rateOverrides: [String] = []

    @Option(help: "MPI slots per host in the hostfile (default: cores / hosts, rounded up).")
    var slots: Int?

    @Option(help: "Use this private A.B.C.0/24 instead of one chosen from the name.")
    var subnet: String?

    @Option(help: "MTU of every link, in bytes (jumbo frames by default, as HPC Ethernet fabrics run them).")
    var mtu: Int = 9000

    @Option(
      help: """
        Cap each host at this many cores of CPU time (a cgroup per host), so that a host computes \
        as fast whether one or all hosts are busy on this machine; e.g. 0.45 for 4 hosts on 2 cores.
        """)
    var cpus: Double?

    @Option(
      help: """
        With --cpus, reserve this many cores more per host for the ranks' communication threads \
        (a cgroup of their own, cgroup v1), as a real host keeps a core for communication beside \
        those that compute; without it, communication's CPU time comes out of --cpus.
        """)
    var commCpus: Double?

    @Option(
      help: """
        Every link's tbf burst in bytes (default: about 1.3 ms of the rate, at least two frames); \
        70000 lets the kernel's 64 KiB GSO packets (with their headers) through whole, as a NIC's segmentation \
        offload would, instead of cut into frames on the hosts' CPU time.
        """)
    var burst: String?

    /// `--burst` in bytes: at least two frames of the MTU (tbf drops a packet larger than its
    /// burst), at most 64 MiB.
    func burstBytes() throws -> Int? {
      guard let burst else { return nil }
      let least = 2 * (mtu + 14)
      let bytes: Int
      do { bytes = try ByteSize.parse(burst) } catch { throw ValidationError("invalid --burst: \(error.description)") }
      guard bytes >= least && bytes <= 64 << 20 else {
        throw ValidationError("invalid --burst '\(burst)': expected \(least) bytes (two frames of the MTU) to 64 MiB")
      }
      return bytes
    }

    func validate() throws {
      try ClusterCommand.validate(name: name)
      guard (1...32).contains(hosts) else {
        throw ValidationError("invalid --hosts \(hosts): expected 1 to 32")
      }
      _ = try Self.trafficControlText(rate, option: "--rate")
      for override in rateOverrides { _ = try hostRate(of: override) }
      if let slots, slots < 1 { throw ValidationError("invalid --slots \(slots): expected at least 1") }
      guard (576...65000).contains(mtu) else {
        throw ValidationError("invalid --mtu \(mtu): expected 576 to 65000 bytes")
      }
      if let cpus, !(cpus >= 0.1 && cpus <= 1024) {
        throw ValidationError("invalid --cpus \(cpus): expected a number of cores, at least 0.1, e.g. 0.45")
      }
      if let commCpus {
        guard cpus != nil else { throw ValidationError("--comm-cpus needs --cpus (it reserves CPU beside the cap)") }
        guard commCpus >= 0.01 && commCpus <= 1024 else {
          throw ValidationError("invalid --comm-cpus \(commCpus): expected a number of cores, at least 0.01, e.g. 0.1")
        }
      }
      _ = try burstBytes()
    }

    /// The host number and rate of `HOST=RATE`, checking both parts; HOST is hI or dls-NAME-hI.
    func hostRate(of override: String) throws -> (host: Int, rate: DataRate) {
      let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
      let problem = "invalid --rate-of '\(override)': expected HOST=RATE with HOST h1…h\(hosts), e.g. h2=50mbit"
      guard parts.count == 2 else { throw ValidationError(problem) }
      var host = parts[0]
      if host.hasPrefix("dls-\(name)-") { host.removeFirst("dls-\(name)-".count) }
      guard host.hasPrefix("h"), let number = Int(host.dropFirst()), (1...hosts).contains(number)
      else { throw ValidationError(problem) }
      let rate: DataRate
      do { rate = try DataRate(parsing: parts[1]) } catch {
        throw ValidationError("invalid --rate-of '\(override)': expected \(DataRate.acceptedForms)")
      }
      _ = try Self.trafficControlText(rate, option: "--rate-of '\(override)'")
      return (number, rate)
    }

    /// `rate` as scripts/cluster.sh takes it, or the one line saying why an emulated link cannot run at it.
    static func trafficControlText(_ rate: DataRate, option: String) throws -> String {
      guard let text = TrafficControlRate.text(rate) else {
        throw ValidationError("invalid \(option) (\(rate)): \(TrafficControlRate.limits)")
      }
      return text
    }

    /// The arguments of `cluster.sh up`, rates in tc's units (`100Gb/s` → `100gbit`).
    func scriptArguments() throws -> [String] {
      let rate = try Self.trafficControlText(self.rate, option: "--rate")
      var arguments = ["up", "--name", name, "--hosts", String(hosts), "--rate", rate]
      for override in rateOverrides {
        let (host, rate) = try hostRate(of: override)
        arguments += ["--rate-of", "h\(host)=\(try Self.trafficControlText(rate, option: "--rate-of"))"]
      }
      if let slots { arguments += ["--slots", String(slots)] }
      if let subnet { arguments += ["--subnet", subnet] }
      arguments += ["--mtu", String(mtu)]
      if let cpus { arguments += ["--cpus", String(cpus)] }
      if let commCpus { arguments += ["--comm-cpus", String(commCpus)] }
      if let burst = try burstBytes() { arguments += ["--burst", String(burst)] }
      return arguments
    }

    func run() throws {
      let overrides = try rateOverrides.map { try hostRate(of: $0) }.map { ", h\($0.host) \($0.rate)" }
      print("dlscale: link rate \(rate) per host\(overrides.joined())")
      try ClusterCommand.runScript(try scriptArguments())
      let cluster = try EmulatedCluster.load(name: name)
      let path = MeasuredSystem.emulatedPath(cluster)
      do {
        try SystemFile.yaml(try MeasuredSystem.emulated(cluster)).write(toFile: path, atomically: true, encoding: .utf8)
      } catch let error as ValidationError {
        throw error
      } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
      }
      print("dlscale: system file \(path) (dlscale predict --system \(path) with the models fitted on it)")
    }
  }

  struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Remove an emulated cluster: its namespaces, bridge, links and state (safe to repeat).")

    @Option(help: "Name of the cluster to remove.")
    var name: String

    func validate() throws { try ClusterCommand.validate(name: name) }

    func run() throws { try ClusterCommand.runScript(["down", "--name", name]) }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List emulated clusters: hosts, addresses, rates, and whether each namespace exists.")

    @Option(help: "Show only this cluster (default: all).")
    var name: String?

    func validate() throws {
      if let name { try ClusterCommand.validate(name: name) }
    }

    func run() throws {
      try ClusterCommand.runScript(["status"] + (name.map { ["--name", $0] } ?? []))
    }
  }
}
