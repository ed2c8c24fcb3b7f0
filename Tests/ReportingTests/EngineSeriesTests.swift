import Fitting
import Measurements
import Testing

@testable import Reporting

/// Train records of two engines (Tests/fixtures/engines/two-engines.jsonl: sensornet by
/// dlscale and by PyTorch DDP at 1, 2 and 4 ranks) form two series, compared side by side.
struct EngineSeriesTests {
  static func report(models: ModelsFile? = nil) throws -> ScalingReport {
    ScalingReport(records: try ReportFixtures.records(at: "engines/two-engines.jsonl"), models: models)
  }

  @Test func twoEnginesAreTwoSeriesEachAgainstItsOwnOneRankRun() throws {
    let report = try Self.report()
    #expect(report.scaling.map(\.name) == ["sensornet (weak)", "sensornet (pytorch, weak)"])
    for series in report.scaling {
      #expect(series.points.map(\.ranks) == [1, 2, 4], "\(series.name)")
      let records = report.records.filter { $0.engineName == series.engine }.sorted { $0.ranks! < $1.ranks! }
      let base = records[0].stepMs!.mean
      // Weak efficiency t(1)/t(P) from the engine's own records.
      for (point, record) in zip(series.points, records) {
        let expected = base / record.stepMs!.mean
        #expect(abs(point.efficiency - expected) <= 1e-12, "\(series.name) at \(point.ranks) ranks")
      }
    }
    #expect(report.scaling.last?.algorithm == "gloo")
  }

  @Test func theEngineTableHasEachEngineSamplesEfficiencyAndOverlap() throws {
    let table = try #require(try Self.report().engineTable)
    #expect(
      table.headers == [
        "model", "scaling", "ranks", "dlscale samples/s", "dlscale efficiency", "dlscale step/max alone",
        "pytorch samples/s", "pytorch efficiency", "pytorch step/max alone",
      ])
    // Step / max(compute alone, communication alone): dlscale 40 / max(20, 24), PyTorch 20 / max(12.5, 12).
    #expect(table.rows[1] == ["sensornet", "weak, batch 8", "2", "400.0", "60%", "1.667", "800.0", "80%", "1.600"])
    #expect(table.rows.map { $0[2] } == ["1", "2", "4"])
    #expect(table.rows[0][5] == "–", "a 1-rank record has no alone times")
  }

  @Test func oneEngineHasNoEngineTable() throws {
    let records = try ReportFixtures.records(at: "engines/two-engines.jsonl").filter { $0.engine == nil }
    #expect(ScalingReport(records: records).engineTable == nil)
  }

  @Test func thePageAndSummaryShowTheEnginesSideBySide() throws {
    let report = try Self.report()
    #expect(report.htmlPage().contains("Engines side by side"))
    #expect(report.markdownSummary().contains("## Engines side by side"))
  }

  /// A fit of each engine is found for its own series only.
  @Test func eachSeriesFindsTheFitOfItsEngine() throws {
    let records = try ReportFixtures.records(at: "engines/two-engines.jsonl")
    let models = ModelFitter.fit(records)
    let report = ScalingReport(records: records, models: models)
    for series in report.scaling {
      let fit = try #require(models.scalingFit(for: series), "\(series.name)")
      #expect(fit.engineName == series.engine)
      #expect(fit.points.map(\.samplesPerS) == series.points.map(\.samplesPerS))
    }
  }
}
