import Foundation
import Testing

@testable import Measurements

@Test func allreduceRecordRoundTripsWithSnakeCaseKeys() throws {
  var record = Record(kind: .allreduce, runId: "r1", timestamp: "2026-01-01T00:00:00.000Z")
  record.ranks = 4
  record.hosts = 2
  record.rankHosts = ["a", "a", "b", "b"]
  record.algorithm = "ring"
  record.bytes = 1 << 20
  record.timeUs = Summary(min: 1, mean: 2, median: 2, p95: 3, max: 4)
  record.busbwGbps = 1.5
  record.wrong = 0
  let line = try record.jsonLine()
  for key in ["\"rank_hosts\"", "\"time_us\"", "\"busbw_gbps\"", "\"run_id\"", "\"dlscale_version\"", "\"p95\""] {
    #expect(line.contains(key), "missing \(key) in \(line)")
  }
  #expect(!line.contains("\"latency_us\""), "fields of other kinds must be absent")
  #expect(try Record.decode(line: line) == record)
}

@Test func newerSchemaIsRefused() throws {
  var record = Record(kind: .p2p, runId: "r")
  record.schema = Record.currentSchema + 1
  #expect(throws: RecordError.self) { try Record.decode(line: try record.jsonLine()) }
}

@Test func resultsFileAppendsAndSurvivesATornLine() throws {
  let path = NSTemporaryDirectory() + "dlscale-results-\(UUID().uuidString)/r.jsonl"
  let file = ResultsFile(path: path)
  try file.prepare()
  try file.append(Record(kind: .allreduce, runId: "one"))
  // A crash in the middle of a write leaves a torn last line.
  let handle = FileHandle(forWritingAtPath: path)!
  handle.seekToEndOfFile()
  handle.write(Data("{\"kind\":\"allre".utf8))
  handle.closeFile()
  try file.append([Record(kind: .p2p, runId: "two"), Record(kind: .failure, runId: "three")])
  let contents = try file.read()
  #expect(contents.records.map(\.runId) == ["one", "two", "three"])
  #expect(contents.problems.count == 1)
  #expect(contents.problems.first?.contains(":2:") == true)
}

@Test func binaryAndMissingFilesAreErrors() throws {
  let path = NSTemporaryDirectory() + "dlscale-binary-\(UUID().uuidString).jsonl"
  #expect(FileManager.default.createFile(atPath: path, contents: Data([0x7f, 0x45, 0x4c, 0x46, 0, 1])))
  #expect(throws: ResultsFile.IOError.self) { try ResultsFile(path: path).read() }
  #expect(throws: ResultsFile.IOError.self) { try ResultsFile(path: path + ".missing").read() }
}

@Test func algorithmListsParse() throws {
  #expect(try AlgorithmName.parseList("mpi,ring") == ["mpi", "ring"])
  #expect(try AlgorithmName.parseList("all") == AlgorithmName.all)
  #expect(throws: AlgorithmName.UnknownAlgorithm.self) { try AlgorithmName.parseList("mpi,bogus") }
  #expect(throws: AlgorithmName.UnknownAlgorithm.self) { try AlgorithmName.parseList(",") }
}

@Test func newerSchemaWithChangedFieldsIsStillReportedAsNewer() {
  let line = #"{"schema": 99, "kind": "hologram", "run_id": 5}"#
  #expect(throws: RecordError.self) { try Record.decode(line: line) }
}

/// A run whose communication thread had CPU reserved for it keeps `comm_cpu_reserved`, and its
/// setup (its scaling curve) is not that of the same run on shared CPU.
@Test func aCommunicationCPUReservationIsPartOfTheSetup() throws {
  var record = Record(kind: .train, runId: "r1", timestamp: "2026-01-01T00:00:00.000Z")
  record.ranks = 4
  record.algorithm = "ring"
  record.bucketBytes = 4 << 20
  record.overlap = .forward
  let shared = record.trainingSetup
  #expect(shared == "ring, 4MiB buckets, overlap forward")
  #expect(!(try record.jsonLine()).contains("comm_cpu_reserved"), "absent unless reserved")
  record.commCpuReserved = true
  #expect(record.trainingSetup == "ring, 4MiB buckets, overlap forward, communication CPU reserved")
  let line = try record.jsonLine()
  #expect(line.contains("\"comm_cpu_reserved\":true"), "\(line)")
  #expect(try Record.decode(line: line) == record)
}

@Test(arguments: [("0", [0]), ("0-3,6", [0, 1, 2, 3, 6]), ("2,1", [1, 2])])
func affinityListsReadAndWriteAsTasksetDoes(list: String, cores: [Int]) {
  let affinity = CPUAffinity(list: list)
  #expect(affinity?.cores == cores)
  #expect(affinity.map { CPUAffinity(list: $0.description) } == affinity)
}

@Test(arguments: ["", "a", "3-1", "1,,2", "-1"])
func malformedAffinityListsAreRefused(list: String) {
  #expect(CPUAffinity(list: list) == nil)
}

@Test func thisProcessHasAnAffinity() throws {
  let affinity = try #require(CPUAffinity.current())
  #expect(!affinity.cores.isEmpty)
  #expect(affinity.cores.count <= ProcessInfo.processInfo.activeProcessorCount)
}

/// A train line as the agent wrote it while the overlap mode was two booleans, `overlap` and
/// `overlap_forward`: it reads as the one mode, and is written back as one key.
@Test(arguments: [
  (#""overlap":false"#, OverlapMode.off), (#""overlap":true"#, .on),
  (#""overlap":true,"overlap_forward":true"#, .forward), (#""overlap":"off""#, .off),
  (#""overlap":"forward""#, .forward),
])
func overlapReadsTheOldBooleansAsOneMode(fields: String, mode: OverlapMode) throws {
  let line =
    #"{"algorithm":"ring","bucket_bytes":65536,"bucket_count":5,"dlscale_version":"0.1.0","kind":"train","#
    + #""model":"textcnn","ranks":2,"run_id":"20261201T101010-1a2b","schema":1,"#
    + #""timestamp":"2026-12-01T10:10:11.000Z",\#(fields)}"#
  let record = try Record.decode(line: line)
  #expect(record.overlap == mode, "\(line)")
  let written = try record.jsonLine()
  #expect(written.contains(#""overlap":"\#(mode.rawValue)""#), "\(written)")
  #expect(!written.contains("overlap_forward"), "\(written)")
  #expect(try Record.decode(line: written) == record)
}

@Test func anUnknownOverlapModeIsRefused() {
  let line = #"{"kind":"train","run_id":"r","schema":1,"timestamp":"t","overlap":"sideways"}"#
  #expect(throws: DecodingError.self) { try Record.decode(line: line) }
}

/// A diverged run's NaN loss is written (as JSON has no NaN, as a string) and read back, not lost.
@Test func aNonFiniteFigureIsWrittenAndReadBack() throws {
  var record = Record(kind: .train, runId: "r", timestamp: "t")
  record.loss = .nan
  record.stepMs = Summary(of: [1, 2])
  let line = try record.jsonLine()
  #expect(line.contains(#""loss":"nan""#), "\(line)")
  let read = try Record.decode(line: line)
  #expect(read.loss?.isNaN == true && read.stepMs == record.stepMs)
}
