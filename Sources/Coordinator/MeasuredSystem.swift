import ArgumentParser
import Fitting
import Foundation
import Measurements

/// The system descriptions dlscale writes of machines it measured or made (docs/ARCHITECTURE.md,
/// "Systems"): `dlscale fit` describes the machine its records came from beside models.json, and
/// `dlscale cluster up` the emulated cluster in its state folder. Both are `measured: true`:
/// predictions for them use the fits in models.json; the links written say what was measured
/// or set, for reading and for `dlscale systems`.
enum MeasuredSystem {
  /// The machine `models` was fitted on: ranks per host as measured, the device (`device`, else
  /// the CPU running `fit`: `cpuName`, `memoryBytes`; peak unknown, left out), the p2p links
  /// within one host and between hosts (else the fitted ring allreduce's α and β); nil when
  /// nothing measured a link.
  static func fitted(
    _ models: ModelsFile, device recorded: SystemDescription.Device? = nil, cpuName: String?, memoryBytes: Int?
  ) -> SystemDescription? {
    let measured = models.provenance ?? MeasurementProvenance(hosts: 1)
    typealias Figures = (latencyS: Double, bandwidthBytesPerS: Double, source: String)
    var within: Figures?
    var between: Figures?
    if let links = models.links {
      let count = links.links.count
      let median = "median of \(count) p2p link\(count == 1 ? "" : "s")"
      if let shared = links.withinHost {
        within = (shared.latencyS, shared.bandwidthBytesPerS, "measured: p2p between ranks of one host")
      }
      if let network = links.betweenHosts {
        between = (network.latencyS, network.bandwidthBytesPerS, "measured: p2p between ranks of different hosts")
      }
      if within == nil && between == nil {
        let figures: Figures = (links.latencyS, links.bandwidthBytesPerS, "measured: \(median)")
        if measured.transport == .sharedMemory { within = figures } else { between = figures }
      }
    }
    if within == nil && between == nil, let ring = models.communication(for: "ring") ?? models.communication.first,
      ring.betaSPerByte > 0
    {
      let figures: Figures = (ring.alphaS, 1 / ring.betaSPerByte, "fitted: allreduce \(ring.algorithm) α and β")
      if measured.transport == .sharedMemory { within = figures } else { between = figures }
    }
    if within == nil, measured.transport == .network,
      let oneHost = models.communicationWithinHost(for: "ring") ?? models.communicationWithinHost?.first,
      oneHost.betaSPerByte > 0
    {
      within = (oneHost.alphaS, 1 / oneHost.betaSPerByte, "fitted: allreduce \(oneHost.algorithm) α and β on one host")
    }
    func link(_ name: String, _ figures: Figures) -> SystemDescription.Link {
      .init(name: name, bytesPerS: figures.bandwidthBytesPerS, latencyS: figures.latencyS, source: figures.source)
    }
    let perHost = measured.ranksPerHost.max() ?? 1
    var notes = ["measured on \(measured.text)"]
    let inter: SystemDescription.Link
    if let between {
      inter = link("network", between)
    } else if let within {
      inter = link("shared-memory", within)
      notes.append("no network measured: between nodes is the shared memory measured")
    } else {
      return nil
    }
    var intra = within.map { link("shared-memory", $0) }
    if intra == nil && perHost > 1 {
      intra = inter
      notes.append("no shared memory measured apart: within a node is the network measured")
    }
    let device =
      recorded
      ?? SystemDescription.Device(
        name: cpuName ?? "this machine's CPU", memoryBytes: memoryBytes,
        source: "measured: the CPU dlscale fit ran on (/proc/cpuinfo, /proc/meminfo); peak unknown")
    return SystemDescription(
      name: "measured", summary: notes.joined(separator: "; "), devicesPerNode: perHost, device: device,
      intraNode: perHost > 1 ? intra : nil, interNode: inter, measured: true)
  }

  /// The device that imported records name (nccl-tests' GPU model, a throughput file's
  /// device), when it is not a CPU: the most records' name, with the figures of the catalogue
  /// device it matches (`SystemFile.sameDevice`). When every record is imported and none names
  /// a device (OSU's output does not), an unnamed device. Nil otherwise: the device is the CPU
  /// `fit` runs on.
  static func recordedDevice(_ records: [Record]) -> SystemDescription.Device? {
    let imported = records.filter { $0.source != nil }
    let named = imported.compactMap(\.device).filter { $0.lowercased() != "cpu" }
    let counts = Dictionary(named.map { ($0, 1) }, uniquingKeysWith: +)
    guard let name = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else {
      guard !records.isEmpty, imported.count == records.count, !imported.contains(where: { $0.device != nil }) else {
        return nil
      }
      let files = Set(imported.compactMap(\.sourceFile)).sorted().joined(separator: ", ")
      return SystemDescription.Device(
        name: "device of the imported records",
        source: "imported records (\(files)) do not name it; peak and memory unknown (name it in the system file)")
    }
    let files = Set(records.filter { $0.device == name }.compactMap(\.sourceFile)).sorted().joined(separator: ", ")
    let others = counts.keys.filter { $0 != name }.sorted()
    let alsoNamed = others.isEmpty ? "" : "; the records also name \(others.joined(separator: ", "))"
    guard let known = SystemCatalogue.devices.first(where: { SystemFile.sameDevice($0.name, name) }) else {
      return SystemDescription.Device(
        name: name, source: "imported records (\(files)); peak and memory unknown\(alsoNamed)")
    }
    return SystemDescription.Device(
      name: name, peakFlops: known.peakFlops, memoryBandwidthBytesPerS: known.memoryBandwidthBytesPerS,
      memoryBytes: known.memoryBytes,
      source: "imported records (\(files)); figures of catalogue device \(known.name): \(known.source)\(alsoNamed)")
  }

  /// The emulated cluster as `cluster up` set it, read back from its state: its hosts, its
  /// slots per host as devices per node, the rate (the slowest host's when `--rate-of` set some
  /// apart) with no latency added, each host's CPU cap. Ranks of one host share memory, which
  /// `cluster up` does not set: the link within a node carries the network's figures and says
  /// so (predictions for a measured system use models.json, not these links).
  static func emulated(_ cluster: EmulatedCluster) throws -> SystemDescription {
    let rates = try cluster.hosts.map { host -> (name: String, rate: DataRate) in
      do { return (host.name, try DataRate(parsing: host.rate)) } catch {
        throw ValidationError(
          "cluster \(cluster.name): host \(host.name) has rate '\(host.rate)': \(String(describing: error))")
      }
    }
    let slowest = rates.min { $0.rate.bytesPerSecond < $1.rate.bytesPerSecond }!
    let distinct = Set(rates.map { $0.rate.bytesPerSecond }).count
    let rateText =
      distinct == 1
      ? "\(slowest.rate) per host" : "rates from \(slowest.rate) (\(slowest.name), the one priced) up, per host"
    let network = SystemDescription.Link(
      name: "emulated", bytesPerS: slowest.rate.bytesPerSecond, latencyS: 0,
      source: "set by cluster up: \(rateText), no latency added (a tbf rate limit only)")
    let cpus = cluster.cpusPerHost.map { "\(UnitText.number($0)) cores of CPU time per host" } ?? "uncapped CPU"
    let reserved = cluster.commCpusPerHost.map { ", \(UnitText.number($0)) more for communication" } ?? ""
    // A capped host's slots share its cap, and their communication comes out of it unless
    // `--comm-cpus` reserved cores for it; uncapped hosts share this machine's cores unsaid.
    let cores = cluster.commCpusPerHost == nil ? cluster.cpusPerHost.map { $0 / Double(cluster.slotsPerHost) } : nil
    let device = SystemDescription.Device(
      name: "slot of an emulated host (\(cpus)\(reserved))", cores: cores,
      source: "set by cluster up: \(cluster.slotsPerHost) slots per host, \(cpus)\(reserved)")
    let intra = SystemDescription.Link(
      name: "shared-memory", bytesPerS: slowest.rate.bytesPerSecond, latencyS: 0,
      source:
        "not set by cluster up: ranks of one host share memory; the network's figures stand in until dlscale fit measures it"
    )
    return SystemDescription(
      name: "cluster-\(cluster.name)",
      summary: "emulated cluster \(cluster.name): \(cluster.hosts.count) hosts (network namespaces) on this machine",
      nodes: cluster.hosts.count, devicesPerNode: cluster.slotsPerHost, device: device,
      intraNode: cluster.slotsPerHost > 1 ? intra : nil, interNode: network, measured: true)
  }

  /// Where `cluster up` writes the cluster's system file: in its state folder.
  static func emulatedPath(_ cluster: EmulatedCluster) -> String {
    (cluster.directory as NSString).appendingPathComponent("system.yaml")
  }

  /// The CPU's model name from /proc/cpuinfo; nil when unreadable.
  static func cpuName(cpuinfo path: String = "/proc/cpuinfo") -> String? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if !name.isEmpty { return name }
    }
    return nil
  }

  /// MemTotal from /proc/meminfo in bytes; nil when unreadable.
  static func memoryBytes(meminfo path: String = "/proc/meminfo") -> Int? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
      let words = line.split(separator: " ")
      if words.count >= 2, let kib = Int(words[1]) { return kib * 1024 }
    }
    return nil
  }
}
