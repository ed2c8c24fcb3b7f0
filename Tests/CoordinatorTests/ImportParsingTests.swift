import Foundation
import Measurements
import TestSupport
import Testing

@testable import Coordinator

/// The importers' parsers on the fixtures in Tests/fixtures/{osu,nccl-tests,throughput} and on
/// small broken texts: the figures land in the fields dlscale's own records use.
enum ImportFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures").path

  static func file(_ name: String) throws -> ImportedFile { try ImportedFile.read(directory + "/" + name) }

  static func text(_ text: String, named name: String = "pasted.txt") -> ImportedFile {
    ImportedFile(path: name, text: text)
  }
}

@Test(arguments: [
  ("", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
  ("abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
  (
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
  ),
])
func sha256MatchesTheStandardsTestVectors(message: String, digest: String) {
  #expect(ImportDigest.sha256(Array(message.utf8)) == digest)
}

@Test func sha256OfAMillionAsSpansManyBlocks() {
  let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
  #expect(
    ImportDigest.sha256(million) == "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

@Test func osuAllreduceWithFullStatisticsBecomesAllreduceRecords() throws {
  let file = try ImportFixtures.file("osu/osu_allreduce-np2-f.txt")
  let records = try OSUOutput.records(from: file, placement: .init(ranks: 2, hosts: 1))
  #expect(records.count == 23)
  let first = try #require(records.first)
  #expect(first.kind == .allreduce && first.algorithm == "mpi" && first.ranks == 2 && first.hosts == 1)
  #expect(first.bytes == 4 && first.iterations == 1000)
  #expect(first.timeUs == Summary(min: 0.68, mean: 0.68, median: 0.68, p95: 0.68, max: 0.68))
  let large = try #require(records.first { $0.bytes == 65536 })
  #expect(large.timeUs?.min == 21.37 && large.timeUs?.max == 21.38 && large.iterations == 100)
  // busbw = S / t · 2(p−1)/p: at 2 ranks, algbw itself.
  let last = try #require(records.last)
  let algbw = 16_777_216 / 4988.58e-6 / 1e9
  #expect(abs(last.algbwGbps! - algbw) <= 1e-12 * algbw, "algbw \(last.algbwGbps!) vs \(algbw)")
  #expect(abs(last.busbwGbps! - algbw) <= 1e-12 * algbw)
}

@Test func osuAllreduceWithoutFullStatisticsKeepsTheAverageEverywhere() throws {
  let file = try ImportFixtures.file("osu/osu_allreduce-np4-float.txt")
  let records = try OSUOutput.records(from: file, placement: .init(ranks: 4, ranksPerNode: 2))
  #expect(records.count == 21)
  #expect(records.allSatisfy { $0.ranks == 4 && $0.hosts == 2 && $0.iterations == nil })
  let last = try #require(records.last)
  #expect(last.bytes == 4_194_304 && last.timeUs?.min == 2412.35 && last.timeUs?.max == 2412.35)
  let expected = 4_194_304 / 2412.35e-6 / 1e9 * 1.5
  #expect(abs(last.busbwGbps! - expected) <= 1e-12 * expected)
}

@Test func osu5LayoutWithFullStatisticsIsRead() throws {
  let records = try OSUOutput.records(
    from: try ImportFixtures.file("osu/osu_allreduce-5.x-np4-f.txt"), placement: .init(ranks: 4))
  #expect(records.count == 15)
  #expect(records[0].timeUs == Summary(min: 2.12, mean: 2.41, median: 2.41, p95: 2.75, max: 2.75))
  #expect(records[0].hosts == nil, "no --hosts or --ranks-per-node: the host count is unknown")
}

@Test func osuLatencyAndBandwidthBecomeP2PRecordsFromRankZeroToOne() throws {
  let latency = try OSUOutput.records(from: try ImportFixtures.file("osu/osu_latency-np2.txt"), placement: .init())
  #expect(latency.count == 23)
  #expect(latency.allSatisfy { $0.kind == .p2p && $0.from == 0 && $0.to == 1 && $0.ranks == 2 })
  #expect(latency.last?.bytes == 4_194_304 && latency.last?.latencyUs == 417.04 && latency.last?.bandwidthGbps == nil)
  let old = try OSUOutput.records(from: try ImportFixtures.file("osu/osu_latency-5.x.txt"), placement: .init())
  #expect(old.first?.bytes == 0 && old.first?.latencyUs == 0.21)
  let bandwidth = try OSUOutput.records(
    from: try ImportFixtures.file("osu/osu_bw-np2.txt"), placement: .init(ranks: 2, hosts: 2))
  #expect(bandwidth.count == 23 && bandwidth.allSatisfy { $0.hosts == 2 && $0.latencyUs == nil })
  // OSU's MB/s are 1e6 bytes/s: 13318.69 MB/s is 13.31869 GB/s.
  let peak = try #require(bandwidth.first { $0.bytes == 262_144 }?.bandwidthGbps)
  #expect(abs(peak - 13.31869) <= 1e-12 * 13.31869)
}

@Test func osuLatencyWithAnAverageColumnIsRead() throws {
  let text = """
    # OSU MPI Latency Test v7.4
    # Datatype: MPI_CHAR.
    # Size       Avg Latency(us)   Min Latency(us)   Max Latency(us)  Iterations
    1                       0.18              0.17              0.21       10000
    2                       0.19              0.17              0.22       10000
    """
  let records = try OSUOutput.records(from: ImportFixtures.text(text), placement: .init())
  #expect(records.map(\.latencyUs) == [0.18, 0.19] && records.map(\.iterations) == [10000, 10000])
}

@Test(arguments: [
  ("# OSU MPI Allreduce Latency Test v7.2\n# Size  Avg Latency(us)\n4  0.5  0.7\n", 3, "expected 2 columns"),
  ("# OSU MPI Allreduce Latency Test v7.2\n# Size  Avg Latency(us)\n4  fast\n", 3, "Avg Latency(us) 'fast'"),
  ("# OSU MPI Allreduce Latency Test v7.2\n# Size  Avg Latency(us)\n4.5  1.0\n", 3, "whole number of bytes"),
  ("# OSU MPI Allreduce Latency Test v7.2\n4  1.0\n", 2, "before the column header"),
  ("# Size  Avg Latency(us)\n4  1.0\n", 2, "before the OSU title"),
  ("# OSU MPI Bi-Directional Bandwidth Test v7.2\n", 1, "is not osu_allreduce, osu_latency or osu_bw"),
  (
    "# OSU MPI Latency Test v7.2\n# Size  Latency (us)\n1  0.2\n# OSU MPI Latency Test v7.2\n", 4,
    "a second OSU output"
  ),
])
func aBadOSULineIsNamedWithItsNumber(text: String, line: Int, reason: String) {
  #expect {
    try OSUOutput.records(from: ImportFixtures.text(text), placement: .init(ranks: 2))
  } throws: { error in
    let description = "\(error)"
    return description.hasPrefix("pasted.txt:\(line): ") && description.contains(reason)
  }
}

@Test func osuAllreduceWithoutRankCountAsksForNp() {
  #expect(throws: ImportError("x.txt", "OSU output does not say how many ranks ran it: give --np")) {
    try OSUOutput.records(
      from: ImportFixtures.text(
        "# OSU MPI Allreduce Latency Test v7.2\n# Size  Avg Latency(us)\n4  1.0\n", named: "x.txt"),
      placement: .init())
  }
  #expect(throws: ImportError.self) {
    try OSUOutput.records(
      from: try ImportFixtures.file("osu/osu_allreduce-np2.txt"), placement: .init(ranks: 4, ranksPerNode: 3))
  }
}

@Test func ncclTestsSingleNodeGivesOutOfPlaceAndInPlaceRecords() throws {
  let records = try NCCLTestsOutput.records(from: try ImportFixtures.file("nccl-tests/all_reduce_perf-1node-4gpu.txt"))
  #expect(records.count == 18, "9 sizes, out of place and in place")
  #expect(records.allSatisfy { $0.algorithm == "nccl" && $0.ranks == 4 && $0.hosts == 1 })
  #expect(records.allSatisfy { $0.device == "NVIDIA A100-SXM4-80GB" && $0.wrong == 0 && $0.iterations == 20 })
  #expect(records[0].rankHosts == Array(repeating: "gpu-node-1", count: 4) && records[0].warmup == 5)
  #expect(records.filter { $0.inPlace == true }.count == 9 && records.filter { $0.inPlace == false }.count == 9)
  let outOfPlace = try #require(records.last { $0.inPlace == false })
  #expect(outOfPlace.bytes == 134_217_728)
  // The file's own figures are kept: busbw / algbw = 2(p−1)/p = 1.5 within their two decimals.
  #expect(abs(outOfPlace.busbwGbps! / outOfPlace.algbwGbps! - 1.5) < 0.01)
  let expectedAlgbw = 134_217_728 / outOfPlace.timeUs!.mean / 1e3
  #expect(abs(outOfPlace.algbwGbps! - expectedAlgbw) <= 0.01)
}

@Test func ncclTestsMultiNodeNamesItsHostsAndSkipsNCCLLogLines() throws {
  let records = try NCCLTestsOutput.records(from: try ImportFixtures.file("nccl-tests/all_reduce_perf-2node-2gpu.txt"))
  #expect(records.count == 18)
  #expect(records[0].ranks == 4 && records[0].hosts == 2)
  #expect(records[0].rankHosts == ["node-a", "node-a", "node-b", "node-b"])
  #expect(records[0].device == "NVIDIA H100 80GB HBM3")
  #expect(records[0].bytes == 1024 && records[0].timeUs?.mean == 40.14 && records[1].timeUs?.mean == 39.34)
}

@Test func ncclTestsOlderLayoutHasNoWrongCount() throws {
  let records = try NCCLTestsOutput.records(from: try ImportFixtures.file("nccl-tests/all_reduce_perf-old-8gpu.txt"))
  #expect(records.count == 14)
  #expect(records.allSatisfy { $0.ranks == 8 && $0.hosts == 1 && $0.wrong == nil })
  #expect(records[0].device == "Tesla V100-SXM2-16GB")
}

@Test func ncclTestsDeviceLinesOfBothLayoutsAreRead() {
  #expect(
    NCCLTestsOutput.device("Rank 12 Group  0 Pid 739790 on     h100-4 device  4 [0003:00:01] NVIDIA H100 80GB HBM3")
      == .init(rank: 12, host: "h100-4", model: "NVIDIA H100 80GB HBM3"))
  #expect(
    NCCLTestsOutput.device("Rank  0 Pid   1320 on ip-172-31-20-228 device  0 [0x00] Tesla V100-SXM2-16GB")
      == .init(rank: 0, host: "ip-172-31-20-228", model: "Tesla V100-SXM2-16GB"))
  #expect(NCCLTestsOutput.device("Using devices") == nil)
}

@Test func ncclTestsOutputOfAnotherCollectiveFailsOnItsBusFactor() throws {
  let text = try String(
    contentsOfFile: ImportFixtures.directory + "/nccl-tests/all_reduce_perf-1node-4gpu.txt", encoding: .utf8)
  // all_gather_perf's bus factor is (p−1)/p: halve every busbw of a row with algbw ≥ 1.
  var lines = text.components(separatedBy: "\n")
  let row = try #require(lines.lastIndex { $0.contains("134217728") })
  var fields = lines[row].split(separator: " ").map(String.init)
  fields[7] = String(format: "%.2f", Double(fields[7])! / 2)
  lines[row] = fields.joined(separator: "  ")
  #expect {
    try NCCLTestsOutput.records(from: ImportFixtures.text(lines.joined(separator: "\n")))
  } throws: { "\($0)".hasPrefix("pasted.txt:\(row + 1): busbw / algbw is 0.750") }
}

@Test func ncclTestsRanksListedTwiceMeanProcessesThatRanAlone() {
  let text = """
    # nThread 1 nGpus 1 minBytes 8 maxBytes 8 step: 2(factor) warmup iters: 5 iters: 20 validation: 1
    # Using devices
    #   Rank  0 Pid   1320 on host-a device  0 [0x00] Tesla V100-SXM2-16GB
    #   Rank  0 Pid   2066 on host-b device  0 [0x00] Tesla V100-SXM2-16GB
    """
  #expect { try NCCLTestsOutput.records(from: ImportFixtures.text(text)) } throws: {
    "\($0)".hasPrefix("pasted.txt:4: rank 0 listed twice")
  }
}

@Test func throughputRowsBecomeOneRankTrainRecords() throws {
  let records = try ThroughputCSV.records(from: try ImportFixtures.file("throughput/throughput.csv"))
  #expect(records.count == 3)
  let first = records[0]
  #expect(first.kind == .train && first.model == "resnet50" && first.ranks == 1 && first.batchPerRank == 32)
  #expect(first.samplesPerS == 412.5 && first.device == "NVIDIA A100-SXM4-80GB" && first.engine == "pytorch")
  let step = 32 / 412.5 * 1000
  #expect(abs(first.stepMs!.mean - step) <= 1e-12 * step)
}

@Test(arguments: [
  ("model,batch,samples/s,device\n", 1, "no 'engine' column"),
  ("model,batch,speed,device,engine\n", 1, "unknown column 'speed'"),
  ("engine,device,samples_per_s,batch,model\npytorch,cpu,10,0,resnet50\n", 2, "batch '0'"),
  ("model,batch,samples/s,device,engine\nresnet50,8,-3,cpu,pytorch\n", 2, "samples/s '-3'"),
  ("model,batch,samples/s,device,engine\nresnet50,8,30,cpu\n", 2, "expected 5 fields, found 4"),
  ("model,batch,samples/s,device,engine\nresnet50,8,30,,pytorch\n", 2, "empty device"),
])
func aBadThroughputLineIsNamedWithItsNumber(text: String, line: Int, reason: String) {
  #expect {
    try ThroughputCSV.records(from: ImportFixtures.text(text, named: "t.csv"))
  } throws: { "\($0)".hasPrefix("t.csv:\(line): ") && "\($0)".contains(reason) }
}

@Test func aFilesDigestIsTheSHA256OfItsBytes() throws {
  let path = try Executables.temporaryDirectory() + "/abc.txt"
  try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
  #expect(
    try ImportedFile.read(path).digest == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

@Test func twoNCCLTestsOutputsInOneFileAreRefused() throws {
  let text = try String(
    contentsOfFile: ImportFixtures.directory + "/nccl-tests/all_reduce_perf-1node-4gpu.txt", encoding: .utf8)
  let lines = text.components(separatedBy: "\n").count
  #expect { try NCCLTestsOutput.records(from: ImportFixtures.text(text + text)) } throws: {
    "\($0)".hasPrefix("pasted.txt:\(lines): a second nccl-tests output")
  }
}
