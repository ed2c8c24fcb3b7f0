import Foundation
import Measurements
import TestSupport
import Testing

@testable import Fitting
@testable import Reporting

/// The report reads models.json with the types `dlscale fit` writes it with. The fixture is the
/// file a real `dlscale fit` wrote from the real fixture records (Tests/fixtures/report).
struct ModelsFileReportTests {
  @Test func theReportShowsEachScalingLawWithItsHeldOutError() throws {
    let models = try ModelsFile.read(path: ReportFixtures.modelsFile)
    let report = try ReportFixtures.fullReport()
    let table = try #require(report.modelTable)
    var shown = 0
    for fit in models.scaling {
      let laws: [(String, Double?)] = [
        ("Amdahl", fit.amdahlMape), ("Gustafson", fit.gustafsonMape), ("USL", fit.uslMape),
      ]
      for (name, mape) in laws {
        let row = try #require(
          table.rows.first {
            $0[0].hasPrefix("\(fit.model) \(fit.scaling) batch \(fit.batch)") && $0[0].hasSuffix(name)
          },
          "no row for \(fit.model) \(fit.scaling) \(name)")
        #expect(row[2] == (mape.map { Observations.fixed($0, 1) + "%" } ?? "–"), "\(row)")
        if mape != nil { shown += 1 }
      }
    }
    // The fixture's fits have held-out errors to show (fit writes amdahl_mape, gustafson_mape, ...).
    #expect(shown >= 4, "only \(shown) laws with a held-out error in \(ReportFixtures.modelsFile)")
    // And the charts name them.
    let throughput = try #require(report.scalingCharts.first { $0.id == "throughput-sensornet" })
    let weak = try #require(models.scaling.first { $0.scaling == "weak" })
    let amdahl = try #require(weak.amdahlMape)
    #expect(throughput.svg.contains("Amdahl (MAPE \(Int(amdahl.rounded()))%)"))
  }

  @Test func theReportDrawsThePiecewiseAllreduceModelThatPredictUses() throws {
    let models = try ModelsFile.read(path: ReportFixtures.modelsFile)
    let fitted = try #require(models.communication(for: "mpi"))
    let pieces = try #require(fitted.pieces, "the fixture's allreduce model has pieces by message size")
    #expect(pieces.count == 2)
    let report = try ReportFixtures.fullReport()
    // What predict prices an allreduce with: its allreduce model for the algorithm, unchanged.
    let prediction = TrainingTimePrediction(models: models)
    let request = TrainingTimePrediction.Request(model: "sensornet", samples: 1, epochs: 1)
    let predicted = try prediction.allreduceModel("mpi", request)
    var compared = 0
    for series in report.allreduce where series.algorithm == "mpi" {
      for point in series.points {
        let comparison = try #require(
          report.communicationComparisons.first {
            $0.label.hasPrefix("mpi \(series.ranks) ranks \(ByteSize.format(point.bytes))")
          })
        let expected = predicted.seconds(ranks: series.ranks, bytes: point.bytes) * 1e6
        #expect(abs(comparison.predicted - expected) <= 1e-9 * expected, "\(comparison.label)")
        compared += 1
      }
    }
    #expect(compared > 10)
    // Piecewise: small and large messages use different lines, not the one structural line.
    var single = fitted
    single.pieces = nil
    let small = 1024
    #expect(abs(fitted.seconds(ranks: 4, bytes: small) - single.seconds(ranks: 4, bytes: small)) > 0)
    let chart = try #require(report.allreduceCharts.first { $0.id == "allreduce-latency-4" })
    #expect(chart.svg.contains("mpi model (MAPE \(Int(fitted.mape!.rounded()))%)"))
    let table = try #require(report.modelTable)
    #expect(table.rows.contains { $0[0] == "allreduce mpi" && $0[1].contains("by message size: ≤ 64KiB") })
  }

  /// A measured series is drawn with the fit of its own batch and setup, never with another
  /// batch's or setup's fit.
  @Test func aSeriesFindsTheFitOfItsBatchAndSetup() throws {
    let on = "ring, 4MiB buckets, overlap on"
    func fit(batch: Int, setup: String?) -> ScalingFit {
      ScalingFit(
        model: "resnet50", scaling: "weak", batch: batch, setup: setup, points: [], baselineSamplesPerS: 1,
        karpFlatt: [], problems: [])
    }
    var models = ModelsFile()
    models.scaling = [fit(batch: 2, setup: on), fit(batch: 12, setup: on)]
    func series(batch: Int, setup: String) -> ScalingSeries {
      ScalingSeries(
        model: "resnet50", scaling: "weak", batch: batch, setup: setup, variant: "weak", baselineRanks: 1, points: [])
    }
    #expect(models.scalingFit(for: series(batch: 12, setup: on))?.batch == 12)
    #expect(models.scalingFit(for: series(batch: 2, setup: on))?.batch == 2)
    #expect(models.scalingFit(for: series(batch: 12, setup: "ring, 4MiB buckets, overlap forward")) == nil)
    #expect(models.scalingFit(for: series(batch: 16, setup: on)) == nil)
  }

  @Test func anOldOrForeignModelsFileIsOneLineSayingWhatToDo() throws {
    let directory = try Executables.temporaryDirectory()
    let path = directory + "/models.json"
    // The shape this report once read loosely: no schema, keys fit never wrote.
    try #"{"communication": [{"algorithm": "mpi", "alpha_s": 1e-6, "beta_s_per_byte": 1e-9}]}"#.write(
      toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: ModelsFile.ReadError.self) { try ModelsFile.read(path: path) }
    do { _ = try ModelsFile.read(path: path) } catch {
      #expect("\(error)".contains("dlscale fit") && !"\(error)".contains("\n"), "\(error)")
    }
    // An older schema that no longer decodes: fit again.
    try #"{"schema": 1, "communication": "later"}"#.write(toFile: path, atomically: true, encoding: .utf8)
    do {
      _ = try ModelsFile.read(path: path)
      Issue.record("an unreadable schema-1 file was accepted")
    } catch {
      #expect("\(error)".contains("fit the results again"), "\(error)")
    }
  }
}
