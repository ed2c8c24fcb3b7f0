import Foundation
import Measurements
import Testing

@testable import Coordinator
@testable import Fitting

/// The system files `dlscale fit` and `dlscale cluster up` write: what they say, and that they
/// read back as written.
struct MeasuredSystemTests {
  @Test func emulatedClusterIsDescribedAsSet() throws {
    let config = """
      name=lab
      hosts=2
      rate=200mbit
      slots=4
      cidr=10.213.9.0/24
      cpus=0.45
      host dls-lab-h1 10.213.9.1 200mbit dlslab-h1
      host dls-lab-h2 10.213.9.2 50mbit dlslab-h2

      """
    let cluster = try EmulatedCluster.parse(config: config, name: "lab", directory: "/state/lab", file: "config")
    let system = try MeasuredSystem.emulated(cluster)
    #expect(system.name == "cluster-lab" && system.nodes == 2 && system.devicesPerNode == 4 && system.measured)
    // The slowest host's 50 Mbit/s, no latency added.
    #expect(abs(system.interNode.bytesPerS - 50e6 / 8) < 1e-6, "\(system.interNode)")
    #expect(system.interNode.latencyS == 0)
    #expect(system.interNode.source.contains("dls-lab-h2"), "\(system.interNode.source)")
    #expect(system.device.name.contains("0.45 cores"), "\(system.device.name)")
    // The host's cap shared by its 4 slots: their communication comes out of it.
    #expect(system.device.cores == 0.45 / 4)
    #expect(system.intraNode?.source.hasPrefix("not set by cluster up") == true)
    #expect(MeasuredSystem.emulatedPath(cluster) == "/state/lab/system.yaml")
    let text = SystemFile.yaml(system)
    #expect(try SystemFile.parse(text, path: "system.yaml") == system, "\(text)")
  }

  @Test func oneSlotPerHostHasNoLinkWithinANode() throws {
    let config = "cidr=10.1.2.0/24\nslots=1\nhost dls-c-h1 10.1.2.1 1gbit v1\nhost dls-c-h2 10.1.2.2 1gbit v2\n"
    let cluster = try EmulatedCluster.parse(config: config, name: "c", directory: "/d", file: "config")
    let system = try MeasuredSystem.emulated(cluster)
    #expect(system.intraNode == nil && abs(system.interNode.bytesPerS - 125e6) < 1e-6)
    #expect(system.interNode.source.hasSuffix("per host, no latency added (a tbf rate limit only)"))
    #expect(try SystemFile.parse(SystemFile.yaml(system), path: "s.yaml") == system)
    #expect(system.device.cores == nil, "uncapped hosts share this machine's cores: not said")
  }

  @Test func coresReservedForCommunicationAreNotTakenFromCompute() throws {
    let config = "cidr=10.1.2.0/24\nslots=1\ncpus=0.4\ncomm_cpus=0.1\nhost dls-c-h1 10.1.2.1 1gbit v1\n"
    let cluster = try EmulatedCluster.parse(config: config, name: "c", directory: "/d", file: "config")
    let system = try MeasuredSystem.emulated(cluster)
    #expect(system.device.cores == nil)
    #expect(system.device.name.contains("0.1 more for communication"), "\(system.device.name)")
  }

  static func link(_ from: Int, _ to: Int, latency: Double, bandwidth: Double, sameHost: Bool?) -> LinkModel.Link {
    LinkModel.Link(
      from: from, to: to, latencyS: latency, bandwidthBytesPerS: bandwidth, fittedLatencyS: nil,
      fittedBandwidthBytesPerS: nil, sameHost: sameHost)
  }

  @Test func fittedMachineSplitsLinksByHost() throws {
    // Ranks 0,1 on one host and 2,3 on another: within a host 1 us and 5 GB/s, across 50 us and
    // 100 MB/s.
    var models = ModelsFile(
      links: LinkModel(
        latencyS: 25e-6, bandwidthBytesPerS: 1e9,
        links: [
          Self.link(0, 1, latency: 1 * 1e-6, bandwidth: 5e9, sameHost: true),
          Self.link(2, 3, latency: 1 * 1e-6, bandwidth: 5e9, sameHost: true),
          Self.link(0, 2, latency: 50 * 1e-6, bandwidth: 1e8, sameHost: false),
          Self.link(1, 3, latency: 50 * 1e-6, bandwidth: 1e8, sameHost: false),
        ]))
    models.provenance = MeasurementProvenance(hosts: 2, ranksPerHost: [2], rankCounts: [4])
    let system = try #require(MeasuredSystem.fitted(models, cpuName: "Test CPU", memoryBytes: 8 << 30))
    #expect(system.devicesPerNode == 2 && system.measured && system.device.name == "Test CPU")
    #expect(system.device.peakFlops == nil && system.device.memoryBytes == 8 << 30)
    #expect(system.intraNode?.bytesPerS == 5e9 && system.intraNode?.latencyS == 1e-6)
    #expect(system.interNode.bytesPerS == 1e8 && system.interNode.latencyS == 50 * 1e-6)
    #expect(try SystemFile.parse(SystemFile.yaml(system), path: "system.yaml") == system)
  }

  @Test func oneHostSaysItsNetworkIsTheSharedMemory() throws {
    var models = ModelsFile(
      links: LinkModel(
        latencyS: 2e-6, bandwidthBytesPerS: 4e9, links: [Self.link(0, 1, latency: 2e-6, bandwidth: 4e9, sameHost: nil)])
    )
    models.provenance = MeasurementProvenance(hosts: 1, ranksPerHost: [2], rankCounts: [2])
    let system = try #require(MeasuredSystem.fitted(models, cpuName: nil, memoryBytes: nil))
    #expect(system.interNode.name == "shared-memory" && system.interNode.bytesPerS == 4e9)
    #expect(system.summary?.contains("no network measured") == true, "\(system.summary ?? "")")
    #expect(MeasuredSystem.fitted(ModelsFile(), cpuName: nil, memoryBytes: nil) == nil)
  }

  /// Records imported from a GPU cluster name its device: the system fit writes is that device,
  /// with a catalogue entry's figures when the name matches one; dlscale's own records, and
  /// "cpu", leave it to the CPU fit runs on.
  @Test func importedRecordsNameTheDevice() throws {
    func record(_ device: String?, source: Record.Source? = .ncclTests, file: String = "a.txt") -> Record {
      var record = Record(kind: .allreduce, runId: "r")
      record.device = device
      record.source = source
      record.sourceFile = file
      return record
    }
    let h100 = try #require(
      MeasuredSystem.recordedDevice([
        record("NVIDIA H100 80GB HBM3"), record("NVIDIA H100 80GB HBM3", file: "b.txt"), record("NVIDIA A10"),
      ]))
    #expect(h100.name == "NVIDIA H100 80GB HBM3" && h100.peakFlops == 67e12 && h100.memoryBytes == 80 << 30)
    #expect(h100.source.hasPrefix("imported records (a.txt, b.txt); figures of catalogue device H100: spec sheet"))
    #expect(h100.source.hasSuffix("the records also name NVIDIA A10"), "\(h100.source)")
    let unknown = try #require(MeasuredSystem.recordedDevice([record("Example NPU")]))
    #expect(unknown.peakFlops == nil && unknown.source == "imported records (a.txt); peak and memory unknown")
    #expect(MeasuredSystem.recordedDevice([record("cpu", source: .throughput), record("H100", source: nil)]) == nil)
    let osu = try #require(MeasuredSystem.recordedDevice([record(nil, source: .osu, file: "osu_bw.txt")]))
    #expect(osu.name == "device of the imported records" && osu.peakFlops == nil)
    #expect(osu.source.hasPrefix("imported records (osu_bw.txt) do not name it"))
    #expect(MeasuredSystem.recordedDevice([record(nil, source: .osu), record(nil, source: nil)]) == nil)
    var models = ModelsFile(links: LinkModel(latencyS: 2e-6, bandwidthBytesPerS: 4e9, links: []))
    models.provenance = MeasurementProvenance(hosts: 2, ranksPerHost: [1], rankCounts: [2])
    let system = try #require(MeasuredSystem.fitted(models, device: h100, cpuName: "Test CPU", memoryBytes: 1))
    #expect(system.device == h100)
  }

  @Test func procFilesGiveTheCPUAndItsMemory() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-proc-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let cpuinfo = folder.appendingPathComponent("cpuinfo")
    try "processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\nflags\t: fpu\n".write(
      to: cpuinfo, atomically: true, encoding: .utf8)
    let meminfo = folder.appendingPathComponent("meminfo")
    try "MemTotal:        8000000 kB\nMemFree: 1 kB\n".write(to: meminfo, atomically: true, encoding: .utf8)
    #expect(MeasuredSystem.cpuName(cpuinfo: cpuinfo.path) == "Example CPU @ 2.00GHz")
    #expect(MeasuredSystem.memoryBytes(meminfo: meminfo.path) == 8_000_000 * 1024)
    #expect(MeasuredSystem.cpuName(cpuinfo: folder.appendingPathComponent("none").path) == nil)
  }
}
