import Measurements
import Testing

@testable import Reporting

/// Imported records keep series of their own, named by their source, and the runs table says
/// which files a run imported.
func allreduceRecord(
  bytes: Int, meanUs: Double, source: Record.Source? = nil, inPlace: Bool? = nil, runId: String = "r"
) -> Record {
  var record = Record(kind: .allreduce, runId: runId, timestamp: "2026-01-01T00:00:00.000Z")
  record.algorithm = "mpi"
  record.ranks = 2
  record.bytes = bytes
  record.timeUs = Summary(min: meanUs, mean: meanUs, median: meanUs, p95: meanUs, max: meanUs)
  record.source = source
  record.inPlace = inPlace
  if source != nil {
    record.sourceFile = "out.txt"
    record.sourceDigest = "sha256:" + String(repeating: "ab", count: 32)
  }
  return record
}

@Test func importedAllreduceFormsItsOwnSeriesNamedBySource() throws {
  let records = [
    allreduceRecord(bytes: 1024, meanUs: 10), allreduceRecord(bytes: 1024, meanUs: 7, source: .osu),
    allreduceRecord(bytes: 1024, meanUs: 5, source: .ncclTests, inPlace: false),
    allreduceRecord(bytes: 1024, meanUs: 4, source: .ncclTests, inPlace: true),
  ]
  let series = AllreduceSeries.group(records)
  #expect(
    series.map(\.name) == [
      "mpi", "mpi (nccl-tests, in-place)", "mpi (nccl-tests, out-of-place)", "mpi (osu)",
    ])
  #expect(series.map { $0.points[0].meanUs } == [10, 4, 5, 7], "no series took another's point")
  #expect(series.allSatisfy { $0.algorithm == "mpi" }, "the fitted model is still looked up by algorithm")
}

@Test func theRunsTableNamesImportedFiles() throws {
  let records = [
    allreduceRecord(bytes: 8, meanUs: 1, runId: "own"), allreduceRecord(bytes: 8, meanUs: 1, source: .osu, runId: "in"),
  ]
  let table = ScalingReport(records: records, models: nil, linkRate: nil).runTable
  let source = try #require(table.headers.firstIndex(of: "source"))
  let byRun = Dictionary(uniqueKeysWithValues: table.rows.map { ($0[0], $0[source]) })
  #expect(byRun["own"] == "measured by dlscale")
  #expect(byRun["in"] == "imported: osu out.txt (sha256:abababab…)")
}
