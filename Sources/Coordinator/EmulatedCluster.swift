import Foundation

/// An emulated cluster made by `dlscale cluster up` (scripts/cluster.sh), read back from its
/// state folder: what `mpirun` needs to run ranks on its hosts.
struct EmulatedCluster: Equatable, Sendable {
  /// One emulated host: a network namespace with one address and one link rate.
  struct Host: Equatable, Sendable {
    /// The namespace name, which is also the host's name in the hostfile and its hostname.
    var name: String
    var address: String
    /// The rate as given to `tc` (e.g. `200mbit`).
    var rate: String
  }

  var name: String
  /// The folder holding `hostfile`, `launcher`, `cidr` and `config`.
  var directory: String
  var hosts: [Host]
  /// The private /24 of the cluster, e.g. `10.213.57.0/24`.
  var cidr: String
  var slotsPerHost: Int
  /// Each host's CPU cap in cores (`cluster up --cpus`), nil when uncapped.
  var cpusPerHost: Double? = nil
  /// Cores reserved per host for the ranks' communication threads beside `cpusPerHost`
  /// (`cluster up --comm-cpus`), nil when communication shares the cap.
  var commCpusPerHost: Double? = nil

  /// The network interface of every host inside its namespace (scripts/cluster.sh names each
  /// host's end of its veth pair so).
  static let hostInterface = "eth0"

  var hostfile: String { (directory as NSString).appendingPathComponent("hostfile") }
  /// The remote-shell agent given to mpirun as `--mca plm_rsh_agent`.
  var launcher: String { (directory as NSString).appendingPathComponent("launcher") }
  var hostNames: [String] { hosts.map(\.name) }
  var slots: Int { slotsPerHost * hosts.count }

  /// How its ranks get cores. Uncapped hosts' ranks bind themselves to cores of their own across
  /// this machine. Hosts capped with `--cpus` run unbound: the cap is each host's share, and a
  /// rank pinned to one core under a CFS quota computed slower than one the kernel places
  /// (TextCNN, batch 4, `--cpus 0.45`: 13.7-19.5 ms per step pinned to core 0 alone against
  /// 10.5-12.5 ms unbound beside three other hosts; the pinned core also serves mpirun, the
  /// coordinator and interrupts).
  var binding: Launcher.Binding {
    cpusPerHost == nil ? .machine(cores: Launcher.localCores) : .cappedHosts
  }

  /// Arguments for `mpirun` that place ranks on this cluster's hosts and keep MPI's traffic,
  /// and its runtime's, on the cluster's links. Yielding when idle keeps more ranks than cores
  /// from spinning. Two TCP connections per pair of ranks: over one, two ranks sending to each
  /// other at once (a ring of two, or any exchange) moved 14.8 MB/s each way on a 25 MB/s link
  /// (each side's data queues behind the other's in the same connection's acknowledgements);
  /// over two, 24.5 MB/s.
  var mpirunArguments: [String] {
    [
      "--hostfile", hostfile,
      "--mca", "plm_rsh_agent", launcher,
      "--mca", "btl", "tcp,self",
      "--mca", "btl_tcp_if_include", cidr,
      "--mca", "oob_tcp_if_include", cidr,
      "--mca", "mpi_yield_when_idle", "1",
      "--mca", "btl_tcp_links", "2",
    ]
  }

  enum LoadError: Error, CustomStringConvertible, Equatable {
    case notFound(name: String, config: String)
    case malformed(file: String, line: Int, reason: String)

    var description: String {
      switch self {
      case .notFound(let name, let config):
        "no emulated cluster named '\(name)' (no \(config)); create it with `dlscale cluster up --name \(name)` (as root)"
      case .malformed(let file, let line, let reason):
        "\(file):\(line): \(reason)"
      }
    }
  }

  /// The folder that holds one state folder per cluster, as scripts/cluster.sh chooses it:
  /// `$DLSCALE_CLUSTER_STATE`, else /run/dlscale/clusters, else /tmp/dlscale/clusters.
  static func stateFolder(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> String
  {
    if let folder = environment["DLSCALE_CLUSTER_STATE"], !folder.isEmpty { return folder }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: "/run", isDirectory: &isFolder), isFolder.boolValue {
      return "/run/dlscale/clusters"
    }
    return "/tmp/dlscale/clusters"
  }

  /// Reads the cluster `name` from its state folder.
  static func load(
    name: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> EmulatedCluster {
    let directory = (stateFolder(environment: environment) as NSString).appendingPathComponent(name)
    let config = (directory as NSString).appendingPathComponent("config")
    guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
      throw LoadError.notFound(name: name, config: config)
    }
    return try parse(config: text, name: name, directory: directory, file: config)
  }

  /// Parses the `config` file: `key=value` lines, `host NAMESPACE ADDRESS RATE VETH` lines, and
  /// `#` comments.
  static func parse(config text: String, name: String, directory: String, file: String) throws
    -> EmulatedCluster
  {
    var values: [String: String] = [:]
    var hosts: [Host] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = line.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let words = line.split(separator: " ").map(String.init)
      if words[0] == "host" {
        guard words.count >= 4 else {
          throw LoadError.malformed(
            file: file, line: index + 1, reason: "expected 'host NAMESPACE ADDRESS RATE ...'")
        }
        hosts.append(Host(name: words[1], address: words[2], rate: words[3]))
      } else if let equals = line.firstIndex(of: "=") {
        values[String(line[..<equals])] = String(line[line.index(after: equals)...])
      } else {
        throw LoadError.malformed(file: file, line: index + 1, reason: "expected key=value or a host line")
      }
    }
    guard let cidr = values["cidr"], !cidr.isEmpty else {
      throw LoadError.malformed(file: file, line: 0, reason: "no cidr= line")
    }
    guard let slots = values["slots"].flatMap({ Int($0) }), slots >= 1 else {
      throw LoadError.malformed(file: file, line: 0, reason: "no valid slots= line")
    }
    guard !hosts.isEmpty else { throw LoadError.malformed(file: file, line: 0, reason: "no host lines") }
    return EmulatedCluster(
      name: name, directory: directory, hosts: hosts, cidr: cidr, slotsPerHost: slots,
      cpusPerHost: values["cpus"].flatMap { Double($0) }, commCpusPerHost: values["comm_cpus"].flatMap { Double($0) })
  }
}
