import Kernels
import Testing

@testable import Fitting

/// The Performance Guide over catalogue systems (nothing measured): a row for every model,
/// system and node count, each the prediction `TrainingTimePrediction` makes for it, and
/// observations whose figures are those predictions.
struct PerformanceGuideTests {
  static let p100 = SystemCatalogue.system(named: "8xp100-nvlink-edr")!
  static let k80 = SystemCatalogue.system(named: "8xk80-pcie3-10gbe")!

  static func request(_ models: [String], _ systems: [SystemDescription], nodes: [Int]) -> PerformanceGuide.Request {
    PerformanceGuide.Request(models: models, systems: systems, nodes: nodes, samples: 1e8, epochs: 10)
  }

  @Test func aRowForEveryModelSystemAndNodeCount() throws {
    let guide = try PerformanceGuide(models: ModelsFile()).build(
      Self.request(["acoustic", "resnet50"], [Self.p100, Self.k80], nodes: [1, 4]))
    #expect(guide.rows.count == 8)
    #expect(
      guide.rows.map(\.system) == Array(repeating: Self.p100.name, count: 4) + Array(repeating: Self.k80.name, count: 4)
    )
    #expect(guide.rows.prefix(4).map(\.model) == ["acoustic", "acoustic", "resnet50", "resnet50"])
    #expect(guide.rows.prefix(2).map(\.nodes) == [1, 4])
    for row in guide.rows {
      #expect(row.count == 8 && row.prediction.ranks == 8 * row.nodes, "8 devices per node")
      #expect(row.engine == "peak FLOP/s", "nothing measured and no throughput entry")
      #expect(row.errorPct == nil && !row.unknownErrors.isEmpty, "n/a, never ±0, with the terms named")
      #expect(
        row.interconnect
          == "\(row.system == Self.p100.name ? "nvlink1" : "pcie3") + \(row.system == Self.p100.name ? "ib-edr" : "10gbe")"
      )
    }
    #expect(guide.systems.map(\.system) == [Self.p100.name, Self.k80.name])
    #expect(guide.observations.map(\.kind) == [.scaling, .interconnect, .memory, .scaling, .interconnect, .memory])
  }

  @Test func everyRowIsThePredictionForItsSystem() throws {
    let guide = try PerformanceGuide(models: ModelsFile()).build(
      Self.request(["resnet50"], [Self.p100], nodes: [2, 8]))
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e8, epochs: 10)
    request.system = Self.p100
    request.ranksPerNode = 8
    request.deviceMemoryBytes = Self.p100.device.memoryBytes
    request.overlap = IterationModel.Overlap(rawValue: TrainingOptions.defaultOverlap.rawValue)!
    let rows = try TrainingTimePrediction(models: ModelsFile()).predict(request, nodes: [2, 8])
    #expect(guide.rows.map(\.prediction) == rows)
  }

  @Test func theInterconnectFiguresArePredictionsWithATenTimesFasterNetwork() throws {
    let guide = try PerformanceGuide(models: ModelsFile()).build(
      Self.request(["acoustic", "resnet50"], [Self.k80], nodes: [1, 8]))
    let observation = try #require(guide.observations.first { $0.kind == .interconnect })
    var faster = Self.k80
    faster.interNode.bytesPerS *= 10
    for figure in observation.figures {
      var request = TrainingTimePrediction.Request(model: figure.model, samples: 1e8, epochs: 10)
      request.system = faster
      request.ranksPerNode = 8
      request.overlap = IterationModel.Overlap(rawValue: TrainingOptions.defaultOverlap.rawValue)!
      let hours = try TrainingTimePrediction(models: ModelsFile()).predict(request, nodes: [8])[0].hours
      let given = try #require(figure.values.first { $0.name == "faster_hours" }?.value)
      #expect(abs(given - hours) <= 1e-12 * hours, "\(figure.model): \(given) h against \(hours) h")
    }
    // The acoustic model's 139 MB gradient over 10 Gbit/s Ethernet: the faster network pays most.
    #expect(observation.verdict == .holds, "\(observation.lines)")
  }

  @Test func nodeCountsBeyondTheSystemAreLeftOutWithANote() throws {
    var small = Self.p100
    small.nodes = 4
    let guide = try PerformanceGuide(models: ModelsFile()).build(
      Self.request(["acoustic"], [small], nodes: [1, 4, 16]))
    #expect(guide.rows.map(\.nodes) == [1, 4])
    #expect(guide.systems[0].notes.contains("8xp100-nvlink-edr has 4 nodes: 16 left out"))
  }

  @Test func anEngineKeepsOnlyItsThroughputEntries() throws {
    var system = Self.p100
    system.throughput = [
      .init(model: "resnet50", batch: 32, samplesPerS: 195, engine: "tensorflow"),
      .init(model: "resnet50", batch: 32, samplesPerS: 390, engine: "pytorch"),
    ]
    func row(_ engine: String) throws -> PerformanceGuide.Row {
      var request = Self.request(["resnet50"], [system], nodes: [1])
      request.engine = engine
      return try PerformanceGuide(models: ModelsFile()).build(request).rows[0]
    }
    let tensorflow = try row("tensorflow")
    let pytorch = try row("pytorch")
    #expect(tensorflow.engine == "tensorflow" && pytorch.engine == "pytorch")
    #expect(
      abs(pytorch.prediction.computeMs * 2 - tensorflow.prediction.computeMs) <= 1e-12
        * tensorflow.prediction.computeMs,
      "twice the throughput, half the compute")
    #expect(try row("mxnet").engine == "peak FLOP/s")
  }

  @Test func notesOfSeveralModelsSayEachPartOnce() {
    let first = "system s described; device P100 (spec; 16 GB); compute from throughput resnet50; links: ib-edr"
    let second = "system s described; device P100 (spec; 16 GB); compute from peak; links: ib-edr"
    #expect(
      PerformanceGuide.parts(first) == [
        "system s described", "device P100 (spec; 16 GB)", "compute from throughput resnet50", "links: ib-edr",
      ])
    #expect(PerformanceGuide.merged([], [first]) == [first])
    #expect(PerformanceGuide.merged([first], [second, first]) == [first, "compute from peak"])
  }
}
