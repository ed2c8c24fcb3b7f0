import Measurements

/// The devices, links and systems `--system NAME` may name (`dlscale systems` lists them). Every
/// figure is from a public spec sheet, named in the entry's `source`; a latency is not on spec
/// sheets, and those given are typical figures, said so. A system from the catalogue has no
/// measured compute: predictions for it use its throughput entries, else its device's peak, and
/// say which (docs/ARCHITECTURE.md, "Systems").
public enum SystemCatalogue {
  private static let gb = 1e9
  private static let gib = 1 << 30
  /// A microsecond, multiplied as `TimeSpan` reads `5us`, so that a system read back from its
  /// YAML equals the catalogue's.
  private static let us = 1e-6

  public static let devices: [SystemDescription.Device] = [
    .init(
      name: "K80", peakFlops: 4.37e12, memoryBandwidthBytesPerS: 240 * gb, memoryBytes: 12 * gib,
      source:
        "spec sheet: Tesla K80, one of the board's two GK210 GPUs (8.73 TFLOP/s FP32 boost, 480 GB/s, 24 GB per board)"),
    .init(
      name: "P100", peakFlops: 10.6e12, memoryBandwidthBytesPerS: 732 * gb, memoryBytes: 16 * gib,
      source: "spec sheet: Tesla P100 SXM2 (10.6 TFLOP/s FP32, 732 GB/s, 16 GB)"),
    .init(
      name: "V100", peakFlops: 15.7e12, memoryBandwidthBytesPerS: 900 * gb, memoryBytes: 16 * gib,
      source: "spec sheet: Tesla V100 SXM2 16 GB (15.7 TFLOP/s FP32, 900 GB/s)"),
    .init(
      name: "A100", peakFlops: 19.5e12, memoryBandwidthBytesPerS: 2039 * gb, memoryBytes: 80 * gib,
      source: "spec sheet: A100 SXM4 80 GB (19.5 TFLOP/s FP32 without TF32, 2039 GB/s)"),
    .init(
      name: "H100", peakFlops: 67e12, memoryBandwidthBytesPerS: 3350 * gb, memoryBytes: 80 * gib,
      source: "spec sheet: H100 SXM5 80 GB (67 TFLOP/s FP32, 3.35 TB/s)"),
    .init(
      name: "2xXeon8380", peakFlops: 2 * 40 * 2.3e9 * 64, memoryBandwidthBytesPerS: 2 * 204.8 * gb,
      memoryBytes: 256 * gib, cores: 80,
      source:
        "spec sheet: two Xeon Platinum 8380 (40 cores at 2.3 GHz base, 2 AVX-512 FMA units: 64 FP32 FLOP per cycle per core; 8 channels DDR4-3200 per socket); 256 GiB is a typical configuration"
    ),
  ]

  public static let links: [SystemDescription.Link] = [
    .init(
      name: "pcie3", bytesPerS: 15.75 * gb, latencyS: 5 * us,
      source: "spec: PCIe 3.0 x16, 8 GT/s × 16 lanes, 128b/130b; latency typical, not a spec figure"),
    .init(
      name: "pcie4", bytesPerS: 31.5 * gb, latencyS: 5 * us,
      source: "spec: PCIe 4.0 x16, 16 GT/s × 16 lanes, 128b/130b; latency typical, not a spec figure"),
    .init(
      name: "nvlink1", bytesPerS: 80 * gb, latencyS: 2 * us,
      source: "spec sheet: P100 NVLink, 4 links × 20 GB/s per direction; latency typical"),
    .init(
      name: "nvlink2", bytesPerS: 150 * gb, latencyS: 2 * us,
      source: "spec sheet: V100 NVLink, 6 links × 25 GB/s per direction; latency typical"),
    .init(
      name: "nvlink3", bytesPerS: 300 * gb, latencyS: 2 * us,
      source: "spec sheet: A100 NVLink, 12 links × 25 GB/s per direction; latency typical"),
    .init(
      name: "nvlink4", bytesPerS: 450 * gb, latencyS: 2 * us,
      source: "spec sheet: H100 NVLink, 18 links × 25 GB/s per direction; latency typical"),
    .init(
      name: "10gbe", bytesPerS: 1.25 * gb, latencyS: 20 * us,
      source: "standard: 10 Gbit/s Ethernet; latency typical of TCP"),
    .init(
      name: "25gbe", bytesPerS: 3.125 * gb, latencyS: 15 * us,
      source: "standard: 25 Gbit/s Ethernet; latency typical of TCP"),
    .init(
      name: "100gbe", bytesPerS: 12.5 * gb, latencyS: 10 * us,
      source: "standard: 100 Gbit/s Ethernet; latency typical of TCP"),
    .init(
      name: "ib-edr", bytesPerS: 12.5 * gb, latencyS: 1 * us,
      source: "spec: InfiniBand EDR 4x, 100 Gbit/s; latency typical of MPI over it"),
    .init(
      name: "ib-hdr", bytesPerS: 25 * gb, latencyS: 1 * us,
      source: "spec: InfiniBand HDR 4x, 200 Gbit/s; latency typical of MPI over it"),
    .init(
      name: "ib-ndr", bytesPerS: 50 * gb, latencyS: 1 * us,
      source: "spec: InfiniBand NDR 4x, 400 Gbit/s; latency typical of MPI over it"),
  ]

  public static let systems: [SystemDescription] = [
    system(
      "8xp100-nvlink-edr", "8 P100 per node over NVLink, one InfiniBand EDR port (the talk's Apollo 6500 layout)",
      devices: 8, device: "P100", intra: "nvlink1", inter: "ib-edr"),
    system(
      "8xv100-nvlink-edr", "8 V100 per node over NVLink 2, one InfiniBand EDR port",
      devices: 8, device: "V100", intra: "nvlink2", inter: "ib-edr"),
    system(
      "8xa100-nvlink-hdr", "8 A100 per node over NVLink 3, one InfiniBand HDR port",
      devices: 8, device: "A100", intra: "nvlink3", inter: "ib-hdr"),
    system(
      "8xh100-nvlink-ndr", "8 H100 per node over NVLink 4, one InfiniBand NDR port",
      devices: 8, device: "H100", intra: "nvlink4", inter: "ib-ndr"),
    system(
      "8xk80-pcie3-10gbe", "four K80 boards (8 GPUs) per node over PCIe 3.0, 10 Gbit/s Ethernet",
      devices: 8, device: "K80", intra: "pcie3", inter: "10gbe"),
    system(
      "4xv100-pcie3-25gbe", "4 V100 per node over PCIe 3.0, 25 Gbit/s Ethernet",
      devices: 4, device: "V100", intra: "pcie3", inter: "25gbe"),
    system(
      "cpu-2xxeon8380-25gbe", "a two-socket Xeon node as one device, 25 Gbit/s Ethernet",
      devices: 1, device: "2xXeon8380", intra: nil, inter: "25gbe"),
    system(
      "cpu-2xxeon8380-100gbe", "a two-socket Xeon node as one device, 100 Gbit/s Ethernet",
      devices: 1, device: "2xXeon8380", intra: nil, inter: "100gbe"),
  ]

  public static func device(named name: String) -> SystemDescription.Device? {
    devices.first { $0.name.lowercased() == name.lowercased() }
  }

  public static func link(named name: String) -> SystemDescription.Link? {
    links.first { $0.name.lowercased() == name.lowercased() }
  }

  public static func system(named name: String) -> SystemDescription? {
    systems.first { $0.name.lowercased() == name.lowercased() }
  }

  private static func system(
    _ name: String, _ summary: String, devices: Int, device: String, intra: String?, inter: String
  ) -> SystemDescription {
    SystemDescription(
      name: name, summary: summary, devicesPerNode: devices, device: Self.device(named: device)!,
      intraNode: intra.map { link(named: $0)! }, interNode: link(named: inter)!)
  }
}
