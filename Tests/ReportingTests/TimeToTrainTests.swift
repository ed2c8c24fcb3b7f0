import Fitting
import Foundation
import Measurements
import Testing

@testable import Reporting

/// The answer the report opens with: hours to train a stated workload and throughput, measured
/// rows from train records and predicted rows from models.json, each prediction with its band.
struct TimeToTrainTests {
  static func records() throws -> [Record] { try ReportFixtures.records(at: "engines/two-engines.jsonl") }
  /// The real models file of the report fixtures: sensornet's compute model and the `mpi`
  /// allreduce model, fitted to real records.
  static func models() throws -> ModelsFile { try ModelsFile.read(path: ReportFixtures.modelsFile) }

  @Test func measuredRowsGiveHoursForTheWorkload() throws {
    let workload = TimeToTrain.Workload(samples: 1e8, epochs: 10)
    let report = ScalingReport(records: try Self.records(), workload: workload)
    #expect(!report.timeToTrain.modelsGiven)
    #expect(report.timeToTrain.lead.contains("no models.json given"))
    for block in report.timeToTrain.blocks {
      #expect(block.rows.allSatisfy { !$0.predicted }, "no models: measured rows only")
      let series = try #require(report.scaling.first { $0.name == block.title })
      #expect(block.rows.map(\.ranks) == series.points.map(\.ranks))
      for (row, point) in zip(block.rows, series.points) {
        let hours = 1e8 * 10 / point.samplesPerS / 3600
        #expect(abs(row.hours - hours) <= 1e-12 * hours)
        #expect(TimeToTrain.band(row) == "–")
      }
    }
    #expect(report.markdownSummary().contains("## Time to train: 1e8 samples × 10 epochs"))
  }

  @Test func predictedRowsAreMarkedWithTheirBandAndNotes() throws {
    let models = try Self.models()
    let report = ScalingReport(records: try Self.records(), models: models)
    let own = try #require(report.timeToTrain.blocks.first { $0.engine == "dlscale" })
    let predicted = own.rows.filter(\.predicted)
    // The measured rank counts 1, 2, 4 and doublings up to 4× the largest.
    #expect(predicted.map(\.ranks) == [1, 2, 4, 8, 16])
    #expect(own.rows.filter { !$0.predicted }.map(\.ranks) == [1, 2, 4])
    // The same rows dlscale predict gives for this request.
    var request = TrainingTimePrediction.Request(model: "sensornet", samples: 1e6, epochs: 1)
    request.batch = 8
    request.bucketBytes = 8 << 20
    let expected = try TrainingTimePrediction(models: models).predict(request, nodes: [1, 2, 4, 8, 16])
    #expect(predicted.map(\.samplesPerS) == expected.map(\.samplesPerS))
    #expect(predicted.map(\.hours) == expected.map(\.hours))
    // The fixture's compute model has no held-out error (two batches): every band is unknown.
    #expect(predicted.allSatisfy { $0.errorPct == nil && TimeToTrain.band($0) == "n/a" })
    #expect(own.notes.contains("± n/a: compute of sensornet: no held-out error"))
    #expect(own.notes.contains { $0.contains("no allreduce model for ring") })
    let notes = PredictionNotes.lines(models, request: request, rows: expected)
    #expect(!notes.isEmpty && notes.allSatisfy(own.notes.contains), "\(own.notes)")
    let table = TimeToTrain.table(own)
    #expect(table.rows.filter { $0[0] == "predicted" }.count == 5)
    #expect(table.rows.allSatisfy { !$0[5].hasPrefix("±0") })
  }

  @Test func otherEnginesAreMeasuredOnlyAndSaySo() throws {
    let report = ScalingReport(records: try Self.records(), models: try Self.models())
    let pytorch = try #require(report.timeToTrain.blocks.first { $0.engine == "pytorch" })
    #expect(pytorch.rows.allSatisfy { !$0.predicted })
    #expect(pytorch.notes == ["pytorch: measured only; models.json's compute model is fitted to dlscale's own engine"])
  }

  @Test func aBandIsNeverPrintedAsZero() {
    func row(_ pct: Double?) -> TimeToTrain.Row {
      TimeToTrain.Row(
        predicted: true, nodes: 1, ranks: 1, samplesPerS: 1, hours: 1, errorPct: pct, stepMs: 1, provenance: "")
    }
    #expect(TimeToTrain.band(row(12.34)) == "±12.3%")
    #expect(TimeToTrain.band(row(0.01)) == "±<0.1%")
    #expect(TimeToTrain.band(row(nil)) == "n/a")
  }

  @Test func predictionsReachFourTimesTheLargestMeasuredCount() {
    #expect(TimeToTrain.predictedCounts(measured: [1, 2, 4]) == [1, 2, 4, 8, 16])
    #expect(TimeToTrain.predictedCounts(measured: [1, 3]) == [1, 3, 6, 12])
    #expect(TimeToTrain.predictedCounts(measured: []) == [])
  }

  /// The page opens with the answer; the allreduce detail is folded away, closed.
  @Test func thePageOpensWithTheAnswerAndFoldsTheAllreduceDetail() throws {
    let report = try ReportFixtures.fullReport()
    let html = report.htmlPage()
    let answer = try #require(html.range(of: "id=\"answer\""))
    let findings = try #require(html.range(of: "id=\"findings\""))
    let allreduce = try #require(html.range(of: "id=\"allreduce\""))
    #expect(answer.lowerBound < findings.lowerBound && findings.lowerBound < allreduce.lowerBound)
    let afterAllreduce = html[allreduce.upperBound...]
    let details = try #require(afterAllreduce.range(of: "<details"))
    #expect(afterAllreduce[details.lowerBound...].hasPrefix("<details>"), "closed: no open attribute")
    let firstChart = try #require(afterAllreduce.range(of: "<svg "))
    #expect(details.lowerBound < firstChart.lowerBound, "the charts are inside the folded part")
    let summary = report.markdownSummary()
    let top = try #require(summary.range(of: "## Time to train"))
    #expect(top.lowerBound < summary.range(of: "## Findings")!.lowerBound)
    #expect(summary.contains("| predicted |"))
  }
}
