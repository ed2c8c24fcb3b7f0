import Kernels
import Measurements
import Testing

@testable import Fitting

/// The CPU a rank's allreduces take: its fit from train records, and the compute it takes from a
/// rank whose cores all compute.
struct CommunicationCPUTests {
  /// A train record of `ranks` ranks on `hosts` hosts whose communication thread took `nsPerByte`
  /// ns of CPU per byte sent, times `factor`.
  func record(
    model: String = "resnet50", ranks: Int, hosts: Int, algorithm: String = "ring", gradientBytes: Int,
    nsPerByte: Double, factor: Double = 1
  ) -> Record {
    var record = Record(kind: .train, runId: "t")
    record.model = model
    record.ranks = ranks
    record.hosts = hosts
    record.rankHosts = (0..<ranks).map { "h\($0 * hosts / ranks)" }
    record.algorithm = algorithm
    record.gradientBytes = gradientBytes
    record.batchPerRank = 4
    let sent = CommunicationCPUCost.bytesSent(
      algorithm: algorithm, ranks: ranks, ranksPerNode: ranks / hosts, gradientBytes: gradientBytes)
    record.commCpuMs = nsPerByte * 1e-9 * sent * 1e3 * factor
    return record
  }

  @Test func bytesSentAreTheCostModelsBetaTerm() {
    // Ring of 4: 2·3/4 of the gradient; hierarchical 2 × 2: ring of 2 inside (n), ring of 2
    // across of half (n/2).
    #expect(CommunicationCPUCost.bytesSent(algorithm: "ring", ranks: 4, ranksPerNode: 1, gradientBytes: 1000) == 1500)
    #expect(
      CommunicationCPUCost.bytesSent(algorithm: "hierarchical", ranks: 4, ranksPerNode: 2, gradientBytes: 1000) == 1500)
    #expect(CommunicationCPUCost.bytesSent(algorithm: "nccl", ranks: 2, ranksPerNode: 1, gradientBytes: 1000) == 1000)
  }

  @Test func recoversAKnownCostAndSaysWhereItWasMeasured() throws {
    var records = [
      record(ranks: 2, hosts: 1, gradientBytes: 102_000_000, nsPerByte: 1.2),
      record(model: "acoustic", ranks: 2, hosts: 1, gradientBytes: 139_000_000, nsPerByte: 1.2),
    ]
    // Teach nothing: one rank; another engine; no thread timed.
    var single = record(ranks: 2, hosts: 1, gradientBytes: 1000, nsPerByte: 50)
    single.ranks = 1
    var pytorch = record(ranks: 2, hosts: 1, gradientBytes: 1000, nsPerByte: 50)
    pytorch.engine = "pytorch"
    var untimed = record(ranks: 2, hosts: 1, gradientBytes: 1000, nsPerByte: 50)
    untimed.commCpuMs = nil
    records += [single, pytorch, untimed]
    let fit = try #require(try CommunicationCPUCost.fit(records))
    #expect(isClose(fit.cpuSPerByte, 1.2e-9, relative: 1e-9))
    #expect(fit.points == 2)
    #expect(try #require(fit.mape) < 1e-6)
    #expect(fit.models == ["acoustic", "resnet50"])
    #expect(fit.measuredOn == "1 host over shared memory (acoustic, resnet50)")
    let models = ModelFitter.fit(records)
    #expect(models.communicationCpu == fit)
  }

  @Test func heldOutErrorFollowsTheNoise() throws {
    // ±10% on one configuration: the other predicts it 10% off.
    let records = [
      record(ranks: 2, hosts: 1, gradientBytes: 100_000_000, nsPerByte: 1, factor: 1.1),
      record(model: "acoustic", ranks: 2, hosts: 1, gradientBytes: 100_000_000, nsPerByte: 1, factor: 0.9),
    ]
    let fit = try #require(try CommunicationCPUCost.fit(records))
    let mape = try #require(fit.mape)
    // Held out, 1.1 is predicted as 0.9 and 0.9 as 1.1: 18.2% and 22.2%.
    #expect(abs(mape - (0.2 / 1.1 + 0.2 / 0.9) / 2 * 100) < 1e-6)
    #expect(try CommunicationCPUCost.fit([]) == nil)
  }

  /// A measured system of one device of `cores` cores per node, and models with 4 ms of compute per
  /// sample and a ring at 25 MB/s.
  func prediction(cores: Double?, cpuNsPerByte: Double?) -> (TrainingTimePrediction, TrainingTimePrediction.Request) {
    var models = PredictionTests.models()
    var step = StepComputeModel(model: "resnet50", fixedMs: 0, perSampleMs: 1000)
    step.mape = 2
    models.compute.steps = [step]
    if let cpuNsPerByte {
      models.communicationCpu = CommunicationCPUCost(cpuSPerByte: cpuNsPerByte * 1e-9, points: 2)
      models.communicationCpu?.mape = 8
    }
    let link = SystemDescription.Link(name: "emulated", bytesPerS: 25e6, latencyS: 0, source: "set")
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.batch = 4
    request.algorithm = "ring"
    request.overlap = .on
    request.system = SystemDescription(
      name: "cluster", devicesPerNode: 1, device: .init(name: "slot", cores: cores, source: "set"), intraNode: nil,
      interNode: link, measured: true)
    return (TrainingTimePrediction(models: models), request)
  }

  @Test func communicationCPUStretchesHiddenCompute() throws {
    let (plain, request) = prediction(cores: nil, cpuNsPerByte: 1)
    let (capped, cappedRequest) = prediction(cores: 0.5, cpuNsPerByte: 1)
    let base = try plain.predict(request, nodes: [4])[0]
    let row = try capped.predict(cappedRequest, nodes: [4])[0]
    #expect(base.computeMs == 4000, "no cores given: nothing taken")
    // The thread's CPU a step: 1 ns × 1.5 × the gradient; over 0.5 cores and the allreduce
    // time, per millisecond hidden behind the compute as it was.
    let spec = try Zoo.spec(named: "resnet50")
    let gradient = Double(try spec.gradientTensorCounts().reduce(0, +) * 4)
    let cpuMs = 1e-9 * 1.5 * gradient * 1e3
    let hidden = base.allreduceMs - base.exposedCommMs
    #expect(row.allreduceMs == base.allreduceMs)
    #expect(hidden > 0)
    #expect(isClose(row.computeMs - 4000, cpuMs / 0.5 * hidden / row.allreduceMs, relative: 1e-6))
    #expect(row.stepMs > base.stepMs)
    // Its held-out error enters the band; unknown, it is named.
    #expect(!row.unknownErrors.contains("communication CPU: no held-out error"))
    var unknown = capped
    unknown.models.communicationCpu?.mape = nil
    #expect(
      try unknown.predict(cappedRequest, nodes: [4])[0].unknownErrors.contains("communication CPU: no held-out error"))
    // One rank sends nothing; overlap off hides nothing.
    #expect(try capped.predict(cappedRequest, nodes: [1])[0].computeMs == 4000)
    var off = cappedRequest
    off.overlap = .off
    #expect(try capped.predict(off, nodes: [4])[0].computeMs == 4000)
    // No fit: nothing taken either.
    let (unfitted, unfittedRequest) = prediction(cores: 0.5, cpuNsPerByte: nil)
    #expect(try unfitted.predict(unfittedRequest, nodes: [4])[0].computeMs == 4000)
  }

  @Test func kappaWhenGivenOrMeasuredAcrossHostsTakesPrecedence() throws {
    var (capped, request) = prediction(cores: 0.5, cpuNsPerByte: 1)
    request.interference = 0
    #expect(capped.communicationCPU(request) == nil)
    #expect(try capped.predict(request, nodes: [4])[0].computeMs == 4000)
    request.interference = nil
    var kappa = CommunicationInterference(slowdownPerHiddenMs: 0.01, points: 3, rankCounts: [2, 4])
    kappa.hosts = 4
    capped.models.interference = kappa
    #expect(capped.communicationCPU(request) == nil, "κ across hosts already holds this CPU")
    let notes = PredictionNotes.lines(capped.models, request: request, rows: try capped.predict(request, nodes: [4]))
    #expect(!notes.contains { $0.contains("communication's CPU") })
    capped.models.interference = nil
    let lines = PredictionNotes.lines(capped.models, request: request, rows: try capped.predict(request, nodes: [4]))
    #expect(
      lines.contains {
        $0.contains("communication's CPU comes out of compute: 1.0 ns") && $0.contains("on 0.5 cores per rank")
      })
  }
}
