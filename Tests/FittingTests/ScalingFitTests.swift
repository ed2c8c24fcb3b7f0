import Measurements
import Testing

@testable import Fitting

/// Amdahl, Gustafson and USL recover the parameters of curves they generated; Karp–Flatt
/// recovers Amdahl's serial fraction exactly.
struct ScalingFitTests {
  static let ranks = [1, 2, 4, 8, 16, 32]

  static func points(_ law: some ScalingLaw, noise: Double = 0, seed: UInt64 = 11) -> [ScalingPoint] {
    var generator = SeededNoise(seed: seed)
    return ranks.map { n in
      let throughput = 100 * law.speedup(ranks: n)
      return ScalingPoint(
        ranks: n, samplesPerS: n == 1 || noise == 0 ? throughput : generator.perturb(throughput, relative: noise))
    }
  }

  @Test func amdahlAndKarpFlattRecoverTheSerialFraction() throws {
    let data = Self.points(AmdahlLaw(serialFraction: 0.05))
    let law = try AmdahlLaw.fit(data)
    #expect(isClose(law.serialFraction, 0.05, relative: 1e-10))
    for point in try KarpFlattMetric.of(data) {
      #expect(isClose(point.serialFraction, 0.05, relative: 1e-10), "N = \(point.ranks)")
    }
  }

  @Test func gustafsonRecoversTheSerialFraction() throws {
    let law = try GustafsonLaw.fit(Self.points(GustafsonLaw(serialFraction: 0.2)))
    #expect(isClose(law.serialFraction, 0.2, relative: 1e-10))
  }

  @Test func uslRecoversSigmaAndKappaExactlyAndWithNoise() throws {
    let truth = UniversalScalabilityLaw(sigma: 0.03, kappa: 0.002)
    let exact = try UniversalScalabilityLaw.fit(Self.points(truth))
    #expect(isClose(exact.sigma, 0.03, relative: 1e-8))
    #expect(isClose(exact.kappa, 0.002, relative: 1e-8))
    let curve = ScalingPoint.Curve(model: "m", scaling: "weak", batch: 32, points: Self.points(truth, noise: 0.02))
    let fit = try ScalingFit.fit(curve)
    let noisy = try #require(fit.usl)
    // ±2 % throughput noise moves N/C − 1 by about 2 % of N at N = 32, i.e. ≈ 0.6 against
    // σ(N−1) + κN(N−1) ≈ 3: σ and κ within a factor the noise allows.
    #expect(abs(noisy.sigma - 0.03) < 0.03, "σ \(noisy.sigma)")
    #expect(abs(noisy.kappa - 0.002) < 0.001, "κ \(noisy.kappa)")
    #expect(try #require(fit.uslMape) < 5)
  }

  @Test func curvesGroupTrainRecordsAndAverageRepeats() throws {
    var records: [Record] = []
    for (ranks, throughput) in [(1, 100.0), (2, 190.0), (2, 210.0), (4, 380.0)] {
      var record = Record(kind: .train, runId: "t")
      record.model = "resnet50"
      record.ranks = ranks
      record.scaling = "weak"
      record.batchPerRank = 8
      record.samplesPerS = throughput
      records.append(record)
    }
    let curves = ScalingPoint.curves(from: records)
    #expect(curves.count == 1)
    #expect(
      curves[0].points == [
        ScalingPoint(ranks: 1, samplesPerS: 100), ScalingPoint(ranks: 2, samplesPerS: 200),
        ScalingPoint(ranks: 4, samplesPerS: 380),
      ])
  }

  @Test func curvesSeparateBatchesAndSetupsAndShareTheOneRankPoint() throws {
    func record(ranks: Int, batch: Int, forward: Bool = false, throughput: Double) -> Record {
      var record = Record(kind: .train, runId: "t")
      record.model = "resnet50"
      record.ranks = ranks
      record.scaling = "weak"
      record.batchPerRank = batch
      record.algorithm = "ring"
      record.bucketBytes = 8 << 20
      record.overlap = forward ? .forward : .on
      record.samplesPerS = throughput
      return record
    }
    let records = [
      record(ranks: 1, batch: 12, throughput: 1.3), record(ranks: 4, batch: 12, throughput: 4.3),
      record(ranks: 4, batch: 12, forward: true, throughput: 4.6), record(ranks: 4, batch: 2, throughput: 1.1),
    ]
    #expect(records[0].trainingSetup == nil, "one rank communicates nothing")
    #expect(records[1].trainingSetup == "ring, 8MiB buckets, overlap on")
    #expect(records[2].trainingSetup == "ring, 8MiB buckets, overlap forward")
    let curves = ScalingPoint.curves(from: records)
    #expect(curves.map(\.batch) == [2, 12, 12])
    #expect(curves.map(\.setup) == [records[3].trainingSetup, records[2].trainingSetup, records[1].trainingSetup])
    #expect(curves[0].points == [ScalingPoint(ranks: 4, samplesPerS: 1.1)], "no 1-rank run at batch 2")
    #expect(curves[1].points == [ScalingPoint(ranks: 1, samplesPerS: 1.3), ScalingPoint(ranks: 4, samplesPerS: 4.6)])
    #expect(curves[2].points == [ScalingPoint(ranks: 1, samplesPerS: 1.3), ScalingPoint(ranks: 4, samplesPerS: 4.3)])
  }

  /// PyTorch's runs make curves of their own: its one-rank record is the 1-rank point of its
  /// curves only, and its setup names the engine.
  @Test func enginesMakeCurvesOfTheirOwn() {
    func record(ranks: Int, engine: String?, throughput: Double) -> Record {
      var record = Record(kind: .train, runId: "t")
      record.model = "resnet50"
      record.ranks = ranks
      record.scaling = "weak"
      record.batchPerRank = 12
      record.algorithm = engine == nil ? "ring" : "gloo"
      record.bucketBytes = 8 << 20
      record.overlap = .on
      record.samplesPerS = throughput
      record.engine = engine
      return record
    }
    let records = [
      record(ranks: 1, engine: nil, throughput: 1.3), record(ranks: 4, engine: nil, throughput: 4.3),
      record(ranks: 1, engine: "pytorch", throughput: 2.0), record(ranks: 4, engine: "pytorch", throughput: 6.0),
    ]
    #expect(records[3].trainingSetup == "pytorch, gloo, 8MiB buckets, overlap on")
    let curves = ScalingPoint.curves(from: records)
    #expect(curves.count == 2)
    #expect(curves.map(\.setup) == [records[1].trainingSetup, records[3].trainingSetup])
    #expect(curves[0].points == [ScalingPoint(ranks: 1, samplesPerS: 1.3), ScalingPoint(ranks: 4, samplesPerS: 4.3)])
    #expect(curves[1].points == [ScalingPoint(ranks: 1, samplesPerS: 2.0), ScalingPoint(ranks: 4, samplesPerS: 6.0)])
  }

  @Test func missingBaselineOrTooFewPointsIsAClearError() {
    let noBaseline = [ScalingPoint(ranks: 2, samplesPerS: 10), ScalingPoint(ranks: 4, samplesPerS: 18)]
    #expect(throws: FittingError.self) { try AmdahlLaw.fit(noBaseline) }
    let onlyBaseline = [ScalingPoint(ranks: 1, samplesPerS: 10)]
    #expect(throws: FittingError.self) {
      try ScalingFit.fit(ScalingPoint.Curve(model: "m", scaling: "weak", batch: 1, points: onlyBaseline))
    }
    let two = [ScalingPoint(ranks: 1, samplesPerS: 10), ScalingPoint(ranks: 2, samplesPerS: 18)]
    #expect(throws: FittingError.tooFewPoints(model: "USL", needed: 3, found: 2)) {
      try UniversalScalabilityLaw.fit(two)
    }
  }
}
