import Foundation
import Kernels
import Measurements
import Testing

@testable import Fitting

/// The iteration model's overlap arithmetic, time-to-train predictions that move the way they
/// must, the configuration search, the OpenMPI rules file, and models.json round trips.
struct PredictionTests {
  static func models(alpha: Double = 40e-6, beta: Double = 1 / 25e6, gamma: Double = 0) -> ModelsFile {
    let ring = StructuralCollectiveModel(
      algorithm: "ring", alphaS: alpha, betaSPerByte: beta, gammaSPerByte: gamma, usesRingTerms: false,
      rankCounts: [2, 4], points: 10, mape: 4)
    var step = StepComputeModel(model: "resnet50", fixedMs: 20, perSampleMs: 10, updateMs: 5)
    step.mape = 2
    return ModelsFile(communication: [ring], compute: .init(steps: [step]))
  }

  @Test func exposedCommunicationFollowsTheBucketSchedule() {
    // 4 buckets of 1 MB, each allreduce 30 ms, backward 80 ms: buckets ready every 20 ms, the
    // network is the bottleneck from the first one: end = 20 + 4·30 = 140 ms, exposed 60 ms.
    let slow = IterationModel(
      computeMs: 120, backwardMs: 80, updateMs: 0, buckets: Array(repeating: 1_000_000, count: 4),
      ranks: 2, allreduceSeconds: { _ in 0.030 })
    #expect(abs(slow.exposedCommunicationMs - 60) < 1e-9)
    // Fast network: only the last bucket's 5 ms is exposed.
    let fast = IterationModel(
      computeMs: 120, backwardMs: 80, updateMs: 0, buckets: Array(repeating: 1_000_000, count: 4),
      ranks: 2, allreduceSeconds: { _ in 0.005 })
    #expect(abs(fast.exposedCommunicationMs - 5) < 1e-9)
    // One rank: nothing to allreduce.
    let single = IterationModel(
      computeMs: 1, backwardMs: 1, updateMs: 0, buckets: Array(repeating: 100, count: 10), ranks: 1,
      allreduceSeconds: { _ in 1 })
    #expect(single.exposedCommunicationMs == 0)
  }

  @Test func forwardOverlapRunsTheLatestBucketFirstAndWaitsAtEachGate() {
    // Buckets ready at 0, 1 and 2 ms, 10 ms each. The first runs at once (0–10); then both
    // others are pending and the latest goes first (10–20), bucket 1 last (20–30). The next
    // forward reaches bucket 2's layers at 2 ms, bucket 1's at 3, bucket 0's at 4.
    let ready = [0.0, 1, 2]
    let durations = [10.0, 10, 10]
    let gates = [4.0, 3, 2]
    func waits(updates: [Double]) -> Double {
      IterationModel.forwardWaits(ready: ready, durations: durations, gates: gates, updates: updates)
    }
    // Waits 18 ms for bucket 2, then (at 3 + 18 = 21) 9 for bucket 1; bucket 0 is long done.
    #expect(abs(waits(updates: [0, 0, 0]) - 27) < 1e-9)
    // Each update delays the gates after it: 18, then at 3 + 19 = 22 a wait of 8.
    #expect(abs(waits(updates: [1, 1, 1]) - 26) < 1e-9)
    // The network idles until a bucket is ready.
    #expect(abs(IterationModel.forwardWaits(ready: [5], durations: [10], gates: [6], updates: [0]) - 9) < 1e-9)
  }

  @Test func eachOverlapModeExposesItsShare() {
    // Three buckets ready at 30, 60 and 90 ms of a 90 ms backward, 70 ms each; forward 60 ms.
    var model = IterationModel(
      computeMs: 150, backwardMs: 90, updateMs: 0, buckets: [100, 100, 100], ranks: 2,
      allreduceSeconds: { _ in 0.070 })
    // Off: all 210 ms after backward.
    model.overlap = .off
    #expect(abs(model.exposedCommunicationMs - 210) < 1e-9)
    #expect(abs(model.stepMs - 360) < 1e-9)
    // On: 30–100, 100–170, 170–240, 150 ms past backward.
    model.overlap = .on
    #expect(abs(model.exposedCommunicationMs - 150) < 1e-9)
    // Forward: 30–100, then the latest, bucket 2, 100–170, and bucket 1 170–240. The next
    // forward needs bucket 2 at once (90: waits 80), bucket 1 after a third of forward (at
    // 90 + 20 + 80 = 190: waits 50), bucket 0 after two thirds (long done).
    model.overlap = .forward
    #expect(abs(model.exposedCommunicationMs - 130) < 1e-9)
    #expect(abs(model.stepMs - 280) < 1e-9)
    // κ = 0.5 over the 80 ms hidden adds 40 ms, stretching forward and backward by 40/150:
    // buckets ready at 38, 76 and 114 run 38–108, 108–178 (bucket 1: bucket 2 is not ready
    // at 108) and 178–248; forward waits 248 − 114 = 134 ms for bucket 2 and no more.
    model.interference = 0.5
    #expect(abs(model.interferenceMs - 40) < 1e-9)
    #expect(abs(model.exposedCommunicationMs - 134) < 1e-9)
    #expect(abs(model.stepMs - (150 + 40 + 134)) < 1e-9)
  }

  @Test func forwardGatesAreWhereForwardFirstNeedsEachBucket() throws {
    // Backward order: a 40-byte layer of work 1, a layer without weights (work 1), a 60-byte
    // layer of work 2. Forward runs them the other way round: the 60-byte layer from 0, the
    // others from 2/4 and 3/4 of forward.
    let profile = BackwardProfile(layers: [(40, 1), (0, 1), (60, 2)])
    #expect(profile.forwardGateFractions(bucketSizes: [40, 60]) == [0.75, 0])
    #expect(profile.forwardGateFractions(bucketSizes: [20, 20, 60]) == [0.75, 0.75, 0])
    // A bucket reaching into the 60-byte layer is needed as soon as forward starts.
    #expect(profile.forwardGateFractions(bucketSizes: [50, 50]) == [0, 0])
    // ResNet-50: the last buckets hold the stem and first stages, needed first.
    let resnet = try BackwardProfile(spec: try Zoo.spec(named: "resnet50"))
    let sizes = try IterationModel.bucketPlan(spec: Zoo.spec(named: "resnet50"), bucketBytes: 4 << 20).bucketBytes()
    let gates = resnet.forwardGateFractions(bucketSizes: sizes)
    #expect(gates.last == 0)
    #expect(zip(gates, gates.dropFirst()).allSatisfy { $0 >= $1 }, "later buckets are needed earlier")
    #expect(gates.first! > 0.5, "the first bucket (the classifier and last stage) is needed late")
  }

  @Test func predictionsNameTheirOverlapAndForwardHidesMore() throws {
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.batch = 2
    request.algorithm = "ring"
    request.bucketBytes = 4 << 20
    let prediction = TrainingTimePrediction(models: Self.models())
    var rows: [IterationModel.Overlap: TrainingTimePrediction.Row] = [:]
    for overlap in IterationModel.Overlap.allCases {
      request.overlap = overlap
      rows[overlap] = try prediction.predict(request, nodes: [4])[0]
      #expect(rows[overlap]?.overlap == overlap.rawValue)
    }
    let off = try #require(rows[.off])
    let on = try #require(rows[.on])
    let forward = try #require(rows[.forward])
    #expect(abs(off.exposedCommMs - off.allreduceMs) < 1e-9)
    #expect(on.exposedCommMs < off.exposedCommMs)
    #expect(forward.exposedCommMs < on.exposedCommMs)
    #expect(forward.hours < on.hours)
    request.overlap = .forward
    #expect(try prediction.predict(request, nodes: [1])[0].overlap == "none")
  }

  @Test func moreSamplesTakeMoreHours() throws {
    let prediction = TrainingTimePrediction(models: Self.models())
    var hours: [Double] = []
    for samples in [1e6, 1e7, 1e8] {
      var request = TrainingTimePrediction.Request(model: "resnet50", samples: samples, epochs: 10)
      request.algorithm = "ring"
      hours.append(try prediction.predict(request, nodes: [4])[0].hours)
    }
    #expect(hours[0] < hours[1] && hours[1] < hours[2], "\(hours)")
    #expect(abs(hours[2] / hours[1] - 10) < 1e-9, "hours are linear in samples")
  }

  @Test func weakScalingWithFreeCommunicationNeverLosesThroughput() throws {
    let prediction = TrainingTimePrediction(models: Self.models(alpha: 0, beta: 0))
    let request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e8, epochs: 1)
    let rows = try prediction.predict(request, nodes: [1, 2, 4, 8, 16])
    for (a, b) in zip(rows, rows.dropFirst()) {
      #expect(b.samplesPerS >= a.samplesPerS, "\(a.nodes) → \(b.nodes)")
      // Free communication: throughput is exactly linear in ranks.
      #expect(abs(b.samplesPerS / a.samplesPerS - Double(b.nodes) / Double(a.nodes)) < 1e-9)
      #expect(b.exposedCommMs == 0)
    }
    // 1 node: 32 samples in 20 + 320 + 5 ms.
    #expect(abs(rows[0].samplesPerS - 32 / 0.345) < 1e-9)
  }

  @Test func slowLinkBoundsTheStepAndOverridesApply() throws {
    let prediction = TrainingTimePrediction(models: Self.models())
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e8, epochs: 1)
    let slow = try prediction.predict(request, nodes: [8])[0]
    #expect(slow.bound == "communication")
    #expect(slow.exposedCommMs > 0)
    let band = try #require(slow.errorPct, "both fits have a held-out error")
    #expect(band > 0 && band <= 4, "between the compute and communication MAPEs")
    request.linkBytesPerS = 100e9
    request.latencyS = 1e-6
    let fast = try prediction.predict(request, nodes: [8])[0]
    #expect(fast.bound == "compute")
    #expect(fast.hours < slow.hours)
    request.computeSpeed = 2
    let faster = try prediction.predict(request, nodes: [8])[0]
    #expect(abs(faster.computeMs - fast.computeMs / 2) < 1e-9)
  }

  @Test func strongScalingComputeFollowsTheRankWithTheMostSamples() throws {
    let prediction = TrainingTimePrediction(models: Self.models(alpha: 0, beta: 0))
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.strongScaling = true
    request.batch = 4
    let rows = try prediction.predict(request, nodes: [2, 3])
    // 4 samples on 2 ranks: 2 each, 20 + 2·10 ms; on 3 ranks the split is [2, 1, 1]: still 40 ms.
    #expect(abs(rows[0].computeMs - 40) < 1e-9)
    #expect(abs(rows[1].computeMs - 40) < 1e-9)
    #expect(abs(rows[1].samplesPerS - 4 / 0.045) < 1e-9, "global batch over compute + update")
  }

  @Test func missingModelsAreClearErrors() {
    let noCompute = TrainingTimePrediction(models: ModelsFile(communication: Self.models().communication))
    let request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e8, epochs: 1)
    #expect(throws: FittingError.self) { try noCompute.predict(request, nodes: [2]) }
    var withSampleTime = request
    withSampleTime.sampleTimeMs = 10
    #expect((try? noCompute.predict(withSampleTime, nodes: [2])) != nil)

    let noCommunication = TrainingTimePrediction(models: ModelsFile(compute: Self.models().compute))
    do {
      _ = try noCommunication.predict(request, nodes: [2])
      Issue.record("expected an error without an allreduce model")
    } catch {
      #expect("\(error)".contains("--link-rate"))
    }
    var unknownAlgorithm = request
    unknownAlgorithm.algorithm = "binomial"
    #expect(throws: FittingError.self) {
      try TrainingTimePrediction(models: Self.models()).predict(unknownAlgorithm, nodes: [2])
    }
    var strong = request
    strong.strongScaling = true
    strong.batch = 4
    #expect(throws: FittingError.self) { try TrainingTimePrediction(models: Self.models()).predict(strong, nodes: [8]) }
  }

  @Test func searchRanksByHoursOrNodeHoursUnderADeadline() throws {
    var search = ConfigurationSearch()
    search.maxNodes = 4
    search.batches = [32]
    let request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    let byTime = try search.run(models: Self.models(alpha: 0, beta: 0), request: request)
    #expect(byTime[0].nodes == 4, "free communication: most nodes is fastest")
    #expect(byTime.filter { $0.ranks == 1 }.count == 1, "one single-rank row per batch")
    search.overlaps = [.on, .forward]
    let modes = try search.run(models: Self.models(), request: request)
    #expect(Set(modes.filter { $0.ranks > 1 }.map(\.overlap)) == ["on", "forward"])
    #expect(modes.filter { $0.ranks == 1 }.count == 1, "one single-rank row per batch, whatever the overlap")
    search.overlaps = [.on]
    search.deadlineHours = byTime[0].hours * 1.5
    let byCost = try search.run(models: Self.models(alpha: 0, beta: 0), request: request)
    #expect(byCost.allSatisfy { $0.hours <= byTime[0].hours * 1.5 })
    #expect(byCost[0].nodeHours <= byCost.last!.nodeHours)
    search.deadlineHours = byTime[0].hours / 2
    #expect(throws: FittingError.self) { try search.run(models: Self.models(), request: request) }
  }

  @Test func rulesFileChoosesTheFastestAlgorithmPerSize() throws {
    func hockney(_ algorithm: String, latency: Double, perByte: Double) -> HockneyModel {
      HockneyModel(
        algorithm: algorithm, ranks: 4,
        pieces: [.init(fromBytes: 0, toBytes: nil, latencyS: latency, secondsPerByte: perByte, points: 5)])
    }
    func model(_ algorithm: String, _ fit: HockneyModel) -> StructuralCollectiveModel {
      var model = StructuralCollectiveModel(
        algorithm: algorithm, alphaS: 0, betaSPerByte: 0, gammaSPerByte: 0, usesRingTerms: false,
        rankCounts: [4], points: 5)
      model.hockney = [fit]
      return model
    }
    // Recursive doubling: 10 us + 1 ns/B; ring: 100 us + 0.5 ns/B; they cross at 180,000 B, so
    // ring from 256 KiB (the first power of two above).
    let file = ModelsFile(communication: [
      model("recursive-doubling", hockney("recursive-doubling", latency: 10e-6, perByte: 1e-9)),
      model("ring", hockney("ring", latency: 100e-6, perByte: 0.5e-9)),
      model("hierarchical", hockney("hierarchical", latency: 0, perByte: 0)),
    ])
    let rules = OpenMPIRulesFile.rules(from: file)
    #expect(
      rules[4] == [.init(fromBytes: 0, algorithm: "recursive-doubling"), .init(fromBytes: 262_144, algorithm: "ring")])
    let text = try #require(OpenMPIRulesFile.text(from: file))
    let numbers = text.split(separator: "\n").map { $0.split(separator: "#")[0].split(separator: " ").map { Int($0)! } }
    #expect(numbers == [[1], [2], [1], [4], [2], [0, 3, 0, 0], [262_144, 4, 0, 0]])
  }

  @Test func modelsFileRoundTripsWithSnakeCaseKeys() throws {
    let file = Self.models()
    let data = try file.json()
    let text = String(decoding: data, as: UTF8.self)
    for key in ["\"schema\"", "\"alpha_s\"", "\"beta_s_per_byte\"", "\"gamma_s_per_byte\"", "\"mape\"", "\"compute\""] {
      #expect(text.contains(key), "\(key)")
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "models-\(UInt32.random(in: 0...UInt32.max)).json"
    ).path
    try data.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try ModelsFile.read(path: path) == file)
    try Data("{\"schema\":9}".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: ModelsFile.ReadError.self) { try ModelsFile.read(path: path) }
  }

  /// One algorithm measured on one host and across hosts (nccl-tests on one node and on two):
  /// the records across hosts fit its model, those of one host the link within a node, and a
  /// 2-node prediction prices each level with its own.
  @Test func oneHostAndAcrossHostsAreFittedApart() throws {
    func records(hosts: Int, alphaUs: Double, bytesPerUs: Double) -> [Record] {
      [2, 4].flatMap { ranks in
        [1 << 10, 1 << 16, 1 << 20, 1 << 24].map { bytes in
          var record = Record(kind: .allreduce, runId: "h\(hosts)")
          record.algorithm = "nccl"
          record.ranks = ranks
          record.hosts = hosts
          record.bytes = bytes
          let share = 2 * Double(ranks - 1) / Double(ranks)
          let time = 2 * Double(ranks - 1) * alphaUs + share * Double(bytes) / bytesPerUs
          record.timeUs = Summary(min: time, mean: time, median: time, p95: time, max: time)
          return record
        }
      }
    }
    // 150 GB/s and 2 us within a node, 10 GB/s and 7 us across (bytes per microsecond).
    let file = ModelFitter.fit(
      records(hosts: 1, alphaUs: 2, bytesPerUs: 150e3) + records(hosts: 2, alphaUs: 7, bytesPerUs: 10e3))
    let across = try #require(file.communication(for: "nccl"))
    let within = try #require(file.communicationWithinHost(for: "nccl"))
    #expect(abs(1 / across.betaSPerByte - 10e9) < 0.01 * 10e9, "across \(1 / across.betaSPerByte) B/s")
    #expect(abs(1 / within.betaSPerByte - 150e9) < 0.01 * 150e9, "within \(1 / within.betaSPerByte) B/s")
    #expect(abs(across.alphaS - 7e-6) < 0.5e-6 && abs(within.alphaS - 2e-6) < 0.5e-6)
    // Records of one host only: one model, as before, and nothing within.
    let oneHost = ModelFitter.fit(records(hosts: 1, alphaUs: 2, bytesPerUs: 150e3))
    #expect(oneHost.communicationWithinHost == nil && oneHost.communication(for: "nccl") != nil)
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.sampleTimeMs = 3
    request.ranksPerNode = 4
    let levels = try TrainingTimePrediction(models: file).levels("nccl", request)
    #expect(levels.intra.betaSPerByte == within.betaSPerByte && levels.inter.betaSPerByte == across.betaSPerByte)
  }

  @Test func fitterListsWhatItCannotFit() {
    #expect(ModelFitter.fit([]).isEmpty)
    var record = Record(kind: .allreduce, runId: "t")
    record.algorithm = "ring"
    record.ranks = 2
    record.bytes = 8
    record.timeUs = Summary(min: 10, mean: 10, median: 10, p95: 10, max: 10)
    let file = ModelFitter.fit([record])
    #expect(file.isEmpty)
    #expect(file.problems.count >= 1)
    #expect(file.problems.allSatisfy { !$0.contains("nan") })
  }
}

/// The kernel regression as the compute source when no train records were fitted.
struct KernelComputePredictionTests {
  @Test func kernelModelPricesAZooModelStep() throws {
    let kernels = try KernelTimeModel.fit(ComputeFitTests.samples())
    let models = ModelsFile(communication: PredictionTests.models().communication, compute: .init(kernels: kernels))
    let prediction = TrainingTimePrediction(models: models)
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.batch = 8
    let small = try prediction.predict(request, nodes: [1])[0]
    request.batch = 32
    let large = try prediction.predict(request, nodes: [1])[0]
    // ResNet-50 forward at batch 8: 8 × 2 × 4.1 GMACs ≈ 66 GFLOP; forward + backward ≈ 200 GFLOP
    // at the synthetic 50 GFLOP/s peak ≈ 4 s, plus the memory-bound layers.
    #expect(small.computeMs > 3000 && small.computeMs < 30_000, "\(small.computeMs) ms")
    #expect(large.computeMs > small.computeMs)
  }
}

/// Without allreduce records, the p2p link fit prices the structural terms.
struct LinkPricedPredictionTests {
  @Test func linkFitStandsInForAllreduce() throws {
    let links = LinkModel(latencyS: 50e-6, bandwidthBytesPerS: 25e6, links: [], mape: 3)
    let models = ModelsFile(links: links, compute: PredictionTests.models().compute)
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.algorithm = "ring"
    request.bucketBytes = 25 << 20
    let row = try TrainingTimePrediction(models: models).predict(request, nodes: [2])[0]
    // Ring at p = 2 on one bucket of n bytes: 2α + n/β-rate; summed over the agent's buckets.
    let spec = try Kernels.Zoo.spec(named: "resnet50")
    let gradient = Double(try spec.summary().gradientBytes)
    let buckets = Double(try IterationModel.bucketPlan(spec: spec, bucketBytes: 25 << 20).bucketBytes().count)
    let expected = (buckets * 2 * 50e-6 + gradient / 25e6) * 1e3
    #expect(abs(row.allreduceMs - expected) < 1e-9 * expected, "\(row.allreduceMs) against \(expected)")
  }
}
