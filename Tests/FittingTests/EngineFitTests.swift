import Foundation
import Measurements
import Testing

@testable import Fitting

/// `dlscale fit` keeps engines apart: Tests/fixtures/engines/two-engines.jsonl holds sensornet
/// trained by dlscale's engine and by PyTorch DDP (`engine: pytorch`, algorithm `gloo`) at 1, 2
/// and 4 ranks, one curve each; the compute model is dlscale's alone.
struct EngineFitTests {
  static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/engines/two-engines.jsonl").path

  static func records() throws -> [Record] { try ResultsFile(path: fixture).read().records }

  @Test func eachEngineHasItsOwnScalingCurve() throws {
    let records = try Self.records()
    #expect(Set(records.map(\.engineName)) == ["dlscale", "pytorch"])
    let curves = ScalingPoint.curves(from: records)
    #expect(curves.count == 2)
    for engine in ["dlscale", "pytorch"] {
      let curve = try #require(curves.first { $0.engine == engine }, "no curve of \(engine)")
      #expect(curve.points.map(\.ranks) == [1, 2, 4])
      let own = records.filter { $0.engineName == engine }.sorted { $0.ranks! < $1.ranks! }
      // One record per rank count: each point is that record's throughput, never the other engine's.
      #expect(curve.points.map(\.samplesPerS) == own.map { $0.samplesPerS! })
    }
  }

  @Test func fitWritesOneScalingFitPerEngineAndComputeFromDlscaleOnly() throws {
    let records = try Self.records()
    let models = ModelFitter.fit(records)
    #expect(models.problems.isEmpty, "\(models.problems)")
    #expect(models.scaling.map(\.engineName).sorted() == ["dlscale", "pytorch"])
    let pytorch = try #require(models.scaling.first { $0.engine == "pytorch" })
    #expect(pytorch.setup == "pytorch, gloo, 25MiB buckets, overlap on")
    #expect(models.scaling.first { $0.engine == nil }?.setup == "ring, 8MiB buckets, overlap on")
    // dlscale's 1-rank forward + backward is 4 + 16 = 20 ms at batch 8: 2.5 ms per sample through
    // the origin. Mixed with PyTorch's 12.5 ms it would be lower.
    let step = try #require(models.step(for: "sensornet"))
    #expect(step.points == 1)
    #expect(abs(step.perSampleMs - 2.5) <= 2.5 * 1e-12, "per sample \(step.perSampleMs) ms")
    // κ only from dlscale's overlapped multi-rank records: 2 of them (2 and 4 ranks).
    #expect(models.interference?.points == 2)
  }

  /// A models file with an engine's curve reads back the same; dlscale's curve writes no engine.
  @Test func theEngineRoundTripsThroughModelsJSON() throws {
    let models = ModelFitter.fit(try Self.records())
    let text = String(decoding: try models.json(), as: UTF8.self)
    #expect(text.components(separatedBy: "\"engine\" : \"pytorch\"").count - 1 == 1)
    #expect(!text.contains("\"engine\" : \"dlscale\""))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    #expect(try decoder.decode(ModelsFile.self, from: try models.json()) == models)
  }

  /// `gloo`, PyTorch DDP's backend, is no `AllreduceKind`: allreduce records of it are fitted
  /// with ring's terms, left out of OpenMPI's rules, and priced by predict without a crash.
  @Test func glooIsKeptAsTextAndPricedWithRingTerms() throws {
    var records = try Self.records()
    for ranks in [2, 4] {
      for bytes in [1 << 10, 1 << 16, 1 << 20, 1 << 22] {
        var record = Record(kind: .allreduce, runId: "gloo-\(ranks)")
        record.algorithm = "gloo"
        record.ranks = ranks
        record.bytes = bytes
        let terms = AllreduceKind.ring.cost(ranks: ranks, bytes: bytes)!
        let mean = (terms.alpha * 20e-6 + terms.beta * 1e-9) * 1e6
        record.timeUs = Summary(min: mean, mean: mean, median: mean, p95: mean, max: mean)
        records.append(record)
      }
    }
    let models = ModelFitter.fit(records)
    let gloo = try #require(models.communication(for: "gloo"))
    #expect(gloo.kind == nil && gloo.usesRingTerms)
    #expect(OpenMPIRulesFile.algorithmId("gloo") == nil)
    #expect(OpenMPIRulesFile.rules(from: models).values.joined().allSatisfy { $0.algorithm != "gloo" })
    var request = TrainingTimePrediction.Request(model: "sensornet", samples: 1e6, epochs: 1)
    request.batch = 8
    request.algorithm = "gloo"
    let rows = try TrainingTimePrediction(models: models).predict(request, nodes: [1, 2, 4])
    #expect(rows.map(\.algorithm) == ["none", "gloo", "gloo"])
    #expect(rows.allSatisfy { $0.samplesPerS > 0 && $0.samplesPerS.isFinite })
  }
}
