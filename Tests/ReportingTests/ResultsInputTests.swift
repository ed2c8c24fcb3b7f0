import Foundation
import Measurements
import TestSupport
import Testing

@testable import Reporting

@Test func aTornLastLineIsAWarningAndTheRestIsRead() throws {
  let directory = try Executables.temporaryDirectory()
  let path = directory + "/torn.jsonl"
  let full = try String(contentsOfFile: ReportFixtures.directory + "/allreduce.jsonl", encoding: .utf8)
  let lines = full.split(separator: "\n")
  // Cut the last line in the middle, as a crash during the write would.
  let torn = lines.dropLast().joined(separator: "\n") + "\n" + lines.last!.prefix(lines.last!.count / 2)
  try torn.write(toFile: path, atomically: true, encoding: .utf8)
  let input = try ResultsInput.read(paths: [path])
  #expect(input.records.count == lines.count - 1)
  #expect(input.warnings.count == 1)
  #expect(input.warnings.first?.contains("torn.jsonl:\(lines.count)") == true, "\(input.warnings)")
}

@Test func unusableFilesAreOneClearError() throws {
  let directory = try Executables.temporaryDirectory()
  let empty = directory + "/empty.jsonl"
  try Data().write(to: URL(fileURLWithPath: empty))
  let binary = directory + "/binary.jsonl"
  try Data([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0x0a]).write(to: URL(fileURLWithPath: binary))
  let newer = directory + "/newer.jsonl"
  try #"{"schema":99,"kind":"allreduce","run_id":"x","timestamp":"t"}"#.write(
    toFile: newer, atomically: true, encoding: .utf8)
  let newerFull = directory + "/newer-full.jsonl"
  let current = try String(contentsOfFile: ReportFixtures.directory + "/p2p.jsonl", encoding: .utf8)
  try current.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":2").write(
    toFile: newerFull, atomically: true, encoding: .utf8)
  let text = directory + "/notes.txt"
  try "just some notes\nnot records\n".write(toFile: text, atomically: true, encoding: .utf8)
  let cases: [([String], String)] = [
    ([], "no results files"),
    ([directory + "/missing.jsonl"], "no such file"),
    ([empty], "is empty"),
    ([binary], "binary"),
    ([newer], "newer than this dlscale"),
    ([newerFull], "newer than this dlscale"),
    ([ReportFixtures.resultsFiles[0], directory + "/missing.jsonl"], "missing.jsonl: no such file"),
    ([text], "not a results file"),
    ([directory], "is a directory"),
  ]
  for (paths, expected) in cases {
    do {
      _ = try ResultsInput.read(paths: paths)
      Issue.record("\(paths) should not be readable")
    } catch {
      #expect(error.description.contains(expected), "\(paths): \(error.description)")
      #expect(!error.description.contains("\n"))
    }
  }
}
