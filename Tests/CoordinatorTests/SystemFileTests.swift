import Fitting
import Foundation
import Measurements
import Testing

@testable import Coordinator

/// System descriptions: the catalogue, the YAML layout users write, and its errors.
struct SystemFileTests {
  @Test(arguments: SystemCatalogue.systems.map(\.name))
  func everyCatalogueSystemReadsBackFromItsYAML(name: String) throws {
    let system = try #require(SystemCatalogue.system(named: name))
    let read = try SystemFile.parse(SystemFile.yaml(system), path: "s.yaml")
    #expect(read == system)
  }

  @Test func aFileMayNameCatalogueEntriesAndGiveItsOwnFigures() throws {
    let text = """
      name: lab
      nodes: 4
      devices_per_node: 2
      device: {name: gpu, peak: 20TFLOPS, memory: 24GiB, memory_bandwidth: 1TB/s}
      intra_node: pcie4
      inter_node: {name: eth, rate: 25gbit, latency: 12us}
      throughput:
        - {model: resnet50, batch: 32, samples_per_s: 300, engine: pytorch}
        - {model: resnet50, batch: 64, samples_per_s: 320}
      """
    let system = try SystemFile.parse(text, path: "lab.yaml")
    #expect(system.nodes == 4 && system.devicesPerNode == 2)
    #expect(system.device.peakFlops == 20e12 && system.device.memoryBytes == 24 << 30)
    #expect(system.device.memoryBandwidthBytesPerS == 1e12)
    #expect(system.intraNode == SystemCatalogue.link(named: "pcie4"))
    #expect(system.interNode.bytesPerS == 25e9 / 8 && abs(system.interNode.latencyS - 12e-6) < 1e-15)
    #expect(system.throughput(model: "resnet50", batch: 40)?.samplesPerS == 300)
    #expect(system.throughput(model: "resnet50", batch: 60)?.samplesPerS == 320)
    #expect(system.throughput(model: "vgg16", batch: 32) == nil)
    #expect(system.device.cores == nil)
    let cpu = try SystemFile.parse(
      "name: c\ndevices_per_node: 1\ndevice: {name: xeon, cores: 32}\ninter_node: 10gbe\n", path: "c.yaml")
    #expect(cpu.device.cores == 32)
    #expect(try SystemFile.parse(SystemFile.yaml(cpu), path: "c.yaml") == cpu)
  }

  @Test(arguments: [
    ("name: a\ndevices_per_node: 1\ndevice: X999\ninter_node: 10gbe\n", "s.yaml:3:9: unknown device 'X999'"),
    ("name: a\ndevices_per_node: 2\ndevice: P100\ninter_node: 10gbe\n", "'intra_node' is missing"),
    (
      "name: a\ndevices_per_node: 0\ndevice: P100\ninter_node: 10gbe\n",
      "s.yaml:2:19: 'devices_per_node' must be a positive integer"
    ),
    (
      "name: a\ndevices_per_node: 1\ndevice: P100\ninter_node: {name: e, rate: fast, latency: 1us}\n",
      "'rate': invalid rate 'fast'"
    ),
    ("name: a\ndevices_per_node: 1\ndevice: P100\n", "'inter_node' is missing"),
    ("name: a\ndevices_per_node: 1\ndevice: P100\ninter_node: 10gbe\ngpus: 8\n", "unknown key 'gpus'"),
    ("name: [a\n", "not valid YAML"),
    ("name: a\ndevices_per_node: 1\ndevice: {name: x, cores: 0}\ninter_node: 10gbe\n", "'cores'"),
  ])
  func badFilesFailInOneLineNamingThePlace(text: String, expected: String) {
    #expect {
      try SystemFile.parse(text, path: "s.yaml")
    } throws: { error in
      let line = "\(error)"
      return line.contains(expected) && !line.contains("\n")
    }
  }

  @Test(arguments: [
    ("P100", "Tesla P100-SXM2-16GB", true), ("A100", "NVIDIA A100-SXM4-80GB", true), ("a100 sxm4", "A100-SXM4", true),
    ("V100", "NVIDIA A100-SXM4-80GB", false), ("cpu", "", false),
  ])
  func importedDevicesMatchWhateverTheirSpelling(system: String, record: String, same: Bool) {
    #expect(SystemFile.sameDevice(system, record) == same)
  }

  @Test func anUnknownNameThatIsNoFileSaysBoth() {
    #expect {
      try SystemFile.resolve("no-such-system")
    } throws: { error in
      "\(error)".contains("neither a catalogue name") && "\(error)".contains("8xp100-nvlink-edr")
    }
  }

  @Test(arguments: [("10.6TFLOP/s", 10.6e12), ("10.6 TFLOPS", 10.6e12), ("19.5e12", 19.5e12), ("500gflops", 500e9)])
  func flopRatesReadAsSpecSheetsWriteThem(text: String, flops: Double) throws {
    #expect(abs(try FlopRate.parse(text) - flops) < 1)
  }

  @Test func aFlopRateWithoutItsUnitIsRefused() {
    #expect(throws: FlopRate.ParseError.self) { try FlopRate.parse("10T") }
  }
}
