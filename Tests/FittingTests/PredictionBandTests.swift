import Foundation
import Measurements
import Testing

@testable import Fitting

/// What a prediction says about its own trust: where the fits were measured and when it goes
/// beyond that, κ only where it was measured across hosts, and error bands that are unknown
/// ("n/a"), not zero, when a term's error is.
struct PredictionBandTests {
  /// Ring (4% held-out error) and ResNet-50 compute (2%) measured at 1, 2 and 4 ranks on one host.
  static func models(ringMape: Double? = 4, stepMape: Double? = 2) -> ModelsFile {
    var file = PredictionTests.models()
    file.communication[0].mape = ringMape
    file.compute.steps[0].mape = stepMape
    file.provenance = MeasurementProvenance(
      hosts: 1, ranksPerHost: [1, 2, 4], rankCounts: [1, 2, 4], batches: [16, 32])
    return file
  }

  static func train(ranks: Int, hosts: [String], cores: [String]? = nil) -> Record {
    var record = Record(kind: .train, runId: "t")
    record.ranks = ranks
    record.rankHosts = hosts
    record.rankCores = cores
    record.batchPerRank = 32
    return record
  }

  static let request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e8, epochs: 1)

  @Test func provenanceNamesHostsTransportAndSharedCores() throws {
    let one = try #require(
      MeasurementProvenance.of([Self.train(ranks: 2, hosts: ["a", "a"], cores: ["0", "1"])]))
    #expect(one.hosts == 1 && one.transport == .sharedMemory && !one.oversubscribed)
    #expect(one.text == "1 host over shared memory")
    let shared = try #require(
      MeasurementProvenance.of([Self.train(ranks: 2, hosts: ["a", "a"], cores: ["0-1", "1"])]))
    #expect(shared.oversubscribed, "both ranks bound to core 1")
    let two = try #require(
      MeasurementProvenance.of([
        Self.train(ranks: 4, hosts: ["a", "a", "b", "b"], cores: ["0", "1", "0", "1"]),
        Self.train(ranks: 2, hosts: ["a", "b"]),
      ]))
    #expect(two.hosts == 2 && two.transport == .network && !two.oversubscribed)
    #expect(two.rankCounts == [2, 4] && two.ranksPerHost == [1, 2] && two.batches == [32])
    #expect(MeasurementProvenance.of([]) == nil)
    // Runs each on one host, on different hosts, measured no network.
    let apart = try #require(
      MeasurementProvenance.of([Self.train(ranks: 1, hosts: ["a"]), Self.train(ranks: 2, hosts: ["b", "b"])]))
    #expect(apart.hosts == 2 && apart.transport == .sharedMemory)
    #expect(apart.text == "2 hosts, each run on one, over shared memory")
  }

  @Test func oldModelsFilesWithoutProvenanceStillRead() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlscale-old-\(UUID()).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let old = """
      {"schema":3,"communication":[],"compute":{"steps":[]},"scaling":[],"problems":[],
       "interference":{"slowdown_per_hidden_ms":1.6,"points":3,"rank_counts":[2,4],"mape":246}}
      """
    try old.write(toFile: path, atomically: true, encoding: .utf8)
    let file = try ModelsFile.read(path: path)
    #expect(file.provenance == nil)
    let interference = try #require(file.interference)
    #expect(interference.hosts == nil && !interference.measuredAcrossHosts)
  }

  @Test func extrapolationIsOneLineNamingWhatWasMeasured() throws {
    let models = Self.models()
    let rows = try TrainingTimePrediction(models: models).predict(Self.request, nodes: [1, 64])
    let lines = PredictionNotes.lines(models, request: Self.request, rows: rows)
    #expect(lines == ["measured on 1 host over shared memory; 64 nodes is 16× the largest count measured (4 ranks)"])
    let within = try TrainingTimePrediction(models: models).predict(Self.request, nodes: [1])
    #expect(PredictionNotes.lines(models, request: Self.request, rows: within).isEmpty)
    var bigger = Self.request
    bigger.batch = 256
    let beyondBatch = try TrainingTimePrediction(models: models).predict(bigger, nodes: [1])
    #expect(
      PredictionNotes.lines(models, request: bigger, rows: beyondBatch) == [
        "measured on 1 host over shared memory; batch 256 per rank is outside the batches measured (16–32)"
      ])
    var old = models
    old.provenance = nil
    #expect(PredictionNotes.lines(old, request: Self.request, rows: within).first?.contains("does not record") == true)
  }

  @Test func fitsAboveFiftyPercentErrorAreNamed() throws {
    let models = Self.models(ringMape: 250)
    let rows = try TrainingTimePrediction(models: models).predict(Self.request, nodes: [2])
    #expect(
      PredictionNotes.lines(models, request: Self.request, rows: rows) == [
        "measured on 1 host over shared memory; 2 nodes span more hosts than measured",
        "held-out error above 50%: allreduce ring 250%",
      ])
  }

  @Test func kappaOnlyWhereMeasuredAcrossHostsOrGiven() throws {
    var models = Self.models()
    var kappa = CommunicationInterference(slowdownPerHiddenMs: 1.5, points: 4, rankCounts: [2, 4])
    kappa.mape = 10
    kappa.hosts = 1
    models.interference = kappa
    var request = Self.request
    request.overlap = .on
    let plain = try TrainingTimePrediction(models: Self.models()).predict(request, nodes: [2])[0]
    let oneHost = try TrainingTimePrediction(models: models).predict(request, nodes: [2])[0]
    #expect(oneHost.computeMs == plain.computeMs, "κ from one host is not applied")
    models.interference?.hosts = 2
    let acrossHosts = try TrainingTimePrediction(models: models).predict(request, nodes: [2])[0]
    #expect(acrossHosts.computeMs > plain.computeMs, "κ measured across hosts is applied")
    let withKappa = try #require(acrossHosts.errorPct)
    let without = try #require(plain.errorPct)
    #expect(withKappa > without, "κ's error enters the band")
    var elsewhere = request
    elsewhere.computeSpeed = 2
    let other = TrainingTimePrediction(models: models)
    #expect(other.interference(elsewhere) == nil, "not applied to another system than the measured one")
    var given = request
    given.interference = 1.5
    let set = try TrainingTimePrediction(models: Self.models()).predict(given, nodes: [2])[0]
    #expect(set.computeMs > plain.computeMs, "--interference applies κ")
    #expect(set.errorPct == nil && set.unknownErrors == ["interference given: no error known"])
    given.interference = -1
    #expect(throws: FittingError.self) { try TrainingTimePrediction(models: Self.models()).predict(given, nodes: [2]) }
  }

  @Test func unknownErrorsMakeTheBandUnknownAndAreNamed() throws {
    let noStepError = try TrainingTimePrediction(models: Self.models(stepMape: nil)).predict(Self.request, nodes: [1])
    #expect(noStepError[0].errorPct == nil)
    #expect(noStepError[0].unknownErrors == ["compute of resnet50: no held-out error"])
    let noRingError = try TrainingTimePrediction(models: Self.models(ringMape: nil)).predict(
      Self.request, nodes: [1, 4])
    #expect(noRingError[0].errorPct != nil, "one node allreduces nothing")
    #expect(noRingError[1].errorPct == nil && noRingError[1].unknownErrors == ["allreduce ring: no held-out error"])
    var request = Self.request
    request.linkBytesPerS = 100e9
    let given = try TrainingTimePrediction(models: Self.models()).predict(request, nodes: [4])[0]
    #expect(given.errorPct == nil && given.unknownErrors == ["link rate given: no error known"])
    request = Self.request
    request.sampleTimeMs = 3
    let sampleTime = try TrainingTimePrediction(models: Self.models()).predict(request, nodes: [1])[0]
    #expect(sampleTime.errorPct == nil && sampleTime.unknownErrors == ["sample time given: no error known"])
    request = Self.request
    request.computeSpeed = 2
    let faster = try TrainingTimePrediction(models: Self.models()).predict(request, nodes: [1])[0]
    #expect(faster.errorPct == nil && faster.unknownErrors == ["compute speed given: no error known"])
  }
}
