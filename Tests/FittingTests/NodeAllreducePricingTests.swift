import Foundation
import Kernels
import Measurements
import Testing

@testable import Fitting

/// Allreduces among nodes of several ranks priced with two links: the formulas against
/// hand-computed numbers, agreement with `AllreduceKind.cost` on one link, and predictions whose
/// hours change with the split of ranks into nodes.
struct NodeAllreducePricingTests {
  /// 1 us and 1 GB/s within a node, 10 us and 100 MB/s between nodes.
  static let intra = NodeAllreducePricing.LinkCost(alphaS: 1e-6, betaSPerByte: 1e-9)
  static let inter = NodeAllreducePricing.LinkCost(alphaS: 1e-5, betaSPerByte: 1e-8)

  static func pricing(_ algorithm: AllreduceKind, nodes: Int, perNode: Int, gamma: Double = 0)
    -> NodeAllreducePricing
  {
    NodeAllreducePricing(
      algorithm: algorithm, nodes: nodes, devicesPerNode: perNode, intra: intra, inter: inter, gammaSPerByte: gamma)
  }

  static func close(_ observed: Double, _ expected: Double) -> Bool {
    abs(observed - expected) <= 1e-12 + 1e-9 * abs(expected)
  }

  @Test func flatRingPaysTheNetworkOnEveryRound() {
    // 2 nodes × 2, 4000 bytes: 6 rounds of 1000 bytes, each with one message per node leaving
    // it: max(1 us + 1 us, 10 us + 10 us) = 20 us; 120 us. γ adds (3/4)·4000·γ.
    let flat = Self.pricing(.ring, nodes: 2, perNode: 2).flatSeconds(bytes: 4000)
    #expect(Self.close(flat, 120e-6), "flat ring \(flat) s, expected 120 us")
    let withGamma = Self.pricing(.ring, nodes: 2, perNode: 2, gamma: 1e-10).flatSeconds(bytes: 4000)
    #expect(Self.close(withGamma, 120e-6 + 3000e-10), "flat ring with γ \(withGamma) s")
  }

  @Test func hierarchicalReducesWithinNodesFirst() {
    // Reduce-scatter within: 1·(1 us + 2000·1 ns) = 3 us; across: ring of 2 over 2000 bytes
    // with both ranks of a node on its NIC: 2·10 us + 2000·(2·10 ns) = 60 us; allgather 3 us.
    let pricing = Self.pricing(.ring, nodes: 2, perNode: 2)
    let hierarchical = pricing.hierarchicalSeconds(bytes: 4000)
    #expect(Self.close(hierarchical, 66e-6), "hierarchical \(hierarchical) s, expected 66 us")
    let best = pricing.best(bytes: 4000)
    #expect(best.schedule == .hierarchical && Self.close(best.seconds, 66e-6))
    // γ: (1/2)·4000 within plus (1/2)·2000 across.
    let withGamma = Self.pricing(.ring, nodes: 2, perNode: 2, gamma: 1e-10).hierarchicalSeconds(bytes: 4000)
    #expect(Self.close(withGamma, 66e-6 + 3000e-10), "hierarchical with γ \(withGamma) s")
  }

  /// dlscale's own `hierarchical` runs the schedule the hierarchical price assumes: its rounds
  /// cost the same, and on one link they cost `AllreduceKind.cost` with d ranks per node.
  @Test(arguments: [(2, 2), (2, 3), (3, 2), (4, 4)])
  func dlscalesHierarchicalRunsThePricedSchedule(nodes: Int, perNode: Int) throws {
    let bytes = 3 << 22  // n/d whole: the price rounds the bytes across up to a whole byte
    let pricing = Self.pricing(.hierarchical, nodes: nodes, perNode: perNode, gamma: 3e-11)
    let rounds = pricing.flatSeconds(bytes: bytes)
    let priced = pricing.hierarchicalSeconds(bytes: bytes)
    #expect(Self.close(rounds, priced), "\(nodes)×\(perNode): rounds \(rounds) s, hierarchical price \(priced) s")
    let oneLink = NodeAllreducePricing(
      algorithm: .hierarchical, nodes: nodes, devicesPerNode: perNode, intra: Self.intra, inter: Self.intra,
      gammaSPerByte: 3e-11)
    let terms = try #require(
      AllreduceKind.hierarchical.cost(ranks: nodes * perNode, bytes: bytes, ranksPerNode: perNode))
    // On one link the d rings across share it: each of their messages pays d·β, so the across
    // part costs d times its β terms.
    let acrossBeta = 2 * Double(nodes - 1) / Double(nodes) * Double(bytes) / Double(perNode)
    let expected = terms.time(alpha: 1e-6, beta: 1e-9, gamma: 3e-11) + Double(perNode - 1) * acrossBeta * 1e-9
    #expect(Self.close(oneLink.flatSeconds(bytes: bytes), expected), "\(nodes)×\(perNode) on one link")
  }

  @Test func recursiveDoublingSharesTheNICAcrossNodes() {
    // Distance 1 stays within a node: 1 us + 4000 ns = 5 us. Distance 2 sends both ranks of a
    // node across at once: 10 us + 4000·2·10 ns = 90 us.
    let flat = Self.pricing(.recursiveDoubling, nodes: 2, perNode: 2).flatSeconds(bytes: 4000)
    #expect(Self.close(flat, 95e-6), "flat recursive doubling \(flat) s, expected 95 us")
  }

  @Test func smallMessagesStayFlat() {
    // 8 bytes: latency decides; hierarchical pays 2 rounds within and 2 across (2 + 20 us and
    // change), flat recursive doubling 1 within and 1 across.
    let pricing = Self.pricing(.recursiveDoubling, nodes: 2, perNode: 2)
    #expect(pricing.best(bytes: 8).schedule == .flat)
  }

  @Test(arguments: [AllreduceKind.ring, .recursiveDoubling, .rabenseifner, .binomial], [2, 5, 6, 8])
  func oneLinkGivesTheAlgorithmsOwnCost(algorithm: AllreduceKind, ranks: Int) throws {
    let bytes = 1 << 20
    let terms = try #require(algorithm.cost(ranks: ranks, bytes: bytes))
    let withinOneNode = Self.pricing(algorithm, nodes: 1, perNode: ranks, gamma: 3e-11).flatSeconds(bytes: bytes)
    let expectedWithin = terms.time(alpha: 1e-6, beta: 1e-9, gamma: 3e-11)
    #expect(Self.close(withinOneNode, expectedWithin), "\(algorithm) p=\(ranks): \(withinOneNode) vs \(expectedWithin)")
    let oneRankPerNode = Self.pricing(algorithm, nodes: ranks, perNode: 1, gamma: 3e-11).flatSeconds(bytes: bytes)
    let expectedAcross = terms.time(alpha: 1e-5, beta: 1e-8, gamma: 3e-11)
    #expect(
      Self.close(oneRankPerNode, expectedAcross), "\(algorithm) p=\(ranks): \(oneRankPerNode) vs \(expectedAcross)")
  }

  /// 8 devices per node, NVLink within a node and 1 Gbit/s between nodes, 10 ms per sample.
  static let system = SystemDescription(
    name: "fast-within-slow-between", devicesPerNode: 8,
    device: .init(name: "gpu", peakFlops: 1e13, memoryBytes: 16 << 30, source: "given"),
    intraNode: .init(name: "nvlink1", bytesPerS: 80e9, latencyS: 2e-6, source: "given"),
    interNode: .init(name: "1gbe", bytesPerS: 125e6, latencyS: 20e-6, source: "given"),
    throughput: [.init(model: "resnet50", batch: 32, samplesPerS: 100)])

  static func hours(
    nodes: Int, perNode: Int, algorithm: String, system: SystemDescription? = Self.system,
    models: ModelsFile = ModelsFile(), linkRate: Double? = nil
  ) throws -> TrainingTimePrediction.Row {
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.system = system
    request.ranksPerNode = perNode
    request.algorithm = algorithm
    request.linkBytesPerS = linkRate
    return try TrainingTimePrediction(models: models).predict(request, nodes: [nodes])[0]
  }

  @Test(arguments: ["ring", "recursive-doubling", "rabenseifner"])
  func eightRanksAreFastestOnOneNode(algorithm: String) throws {
    let one = try Self.hours(nodes: 1, perNode: 8, algorithm: algorithm)
    let two = try Self.hours(nodes: 2, perNode: 4, algorithm: algorithm)
    let eight = try Self.hours(nodes: 8, perNode: 1, algorithm: algorithm)
    #expect(
      one.hours < two.hours && two.hours < eight.hours,
      "\(algorithm): 1×8 \(one.hours) h, 2×4 \(two.hours) h, 8×1 \(eight.hours) h")
    #expect(one.system == Self.system.name && two.devicesPerNode == 4)
    #expect(one.schedule == "flat" && eight.schedule == "flat")
    // Compute from the throughput entry: 10 ms per sample × 32.
    #expect(Self.close(one.computeMs, 320))
    #expect(one.errorPct == nil && one.unknownErrors.contains { $0.contains("throughput resnet50 batch 32") })
  }

  @Test func peakComputeUsesTheAssumedEfficiency() throws {
    var system = Self.system
    system.throughput = []
    let row = try Self.hours(nodes: 1, perNode: 1, algorithm: "ring", system: system)
    let macs = Double(try Zoo.spec(named: "resnet50").summary().forwardMACs)
    // 6 FLOP per MAC per sample (forward, and backward twice), 32 samples, 40% of 10 TFLOP/s.
    let expected = 6 * macs * 32 / (1e13 * 0.4) * 1e3
    #expect(Self.close(row.computeMs, expected), "compute \(row.computeMs) ms, expected \(expected)")
    #expect(row.unknownErrors.contains("device compute from peak FLOP/s at 40% assumed efficiency: no error known"))
  }

  @Test func beyondTheSystemIsAnError() throws {
    var system = Self.system
    system.nodes = 2
    #expect(throws: FittingError.self) { try Self.hours(nodes: 4, perNode: 8, algorithm: "ring", system: system) }
    #expect(throws: FittingError.self) { try Self.hours(nodes: 1, perNode: 16, algorithm: "ring") }
  }

  @Test func measuredSharedMemoryKeepsRanksOfANodeOffTheGivenNetwork() throws {
    // Fitted on one host over shared memory (1 GB/s); the network given as 10 MB/s.
    var models = PredictionTests.models(alpha: 5e-6, beta: 1e-9)
    models.provenance = MeasurementProvenance(hosts: 1, ranksPerHost: [8], rankCounts: [2, 4, 8])
    let one = try Self.hours(nodes: 1, perNode: 8, algorithm: "ring", system: nil, models: models, linkRate: 1e7)
    let two = try Self.hours(nodes: 2, perNode: 4, algorithm: "ring", system: nil, models: models, linkRate: 1e7)
    let eight = try Self.hours(nodes: 8, perNode: 1, algorithm: "ring", system: nil, models: models, linkRate: 1e7)
    #expect(
      one.hours < two.hours && two.hours < eight.hours,
      "1×8 \(one.hours) h, 2×4 \(two.hours) h, 8×1 \(eight.hours) h")
    #expect(two.schedule == "hierarchical")
  }

  @Test func aMeasuredSystemWithoutANetworkFitPricesTheNetworkItDescribes() throws {
    // Fitted on one host (1 GB/s shared memory); the system (an emulated cluster's file) says
    // its network runs at 10 MB/s or, in a second file, 20 MB/s: the network's time halves.
    var models = PredictionTests.models(alpha: 5e-6, beta: 1e-9)
    models.provenance = MeasurementProvenance(hosts: 1, ranksPerHost: [2], rankCounts: [1, 2])
    func system(rate: Double) -> SystemDescription {
      SystemDescription(
        name: "cluster-emu", devicesPerNode: 2, device: .init(name: "slot", source: "set"),
        intraNode: .init(name: "shared-memory", bytesPerS: rate, latencyS: 0, source: "stand-in"),
        interNode: .init(name: "emulated", bytesPerS: rate, latencyS: 0, source: "set by cluster up"), measured: true)
    }
    let slow = try Self.hours(nodes: 4, perNode: 1, algorithm: "ring", system: system(rate: 1e7), models: models)
    let fast = try Self.hours(nodes: 4, perNode: 1, algorithm: "ring", system: system(rate: 2e7), models: models)
    #expect(
      abs(slow.allreduceMs / fast.allreduceMs - 2) < 0.02, "\(slow.allreduceMs) ms against \(fast.allreduceMs) ms")
    #expect(slow.unknownErrors.contains { $0.contains("network of cluster-emu from its description") })
    // Within a node the shared memory measured (1 GB/s), not the stand-in: 2 × 2 goes hierarchical.
    let twoByTwo = try Self.hours(nodes: 2, perNode: 2, algorithm: "ring", system: system(rate: 1e7), models: models)
    #expect(twoByTwo.schedule == "hierarchical" && twoByTwo.allreduceMs < slow.allreduceMs)
  }

  @Test func p2pLinksSayWhichRanksShareAHost() throws {
    // Ranks 0, 1 on host a and 2 on host b: within a host 1 us + n / 5 GB/s, across 50 us +
    // n / 100 MB/s, at one size each (the latency is the time at the smallest size).
    var records: [Record] = []
    for (from, to, latency, rate) in [(0, 1, 1e-6, 5e9), (1, 0, 1e-6, 5e9), (0, 2, 50e-6, 1e8)] {
      var record = Record(kind: .p2p, runId: "hosts")
      record.rankHosts = ["a", "a", "b"]
      record.from = from
      record.to = to
      record.bytes = 8
      record.latencyUs = latency * 1e6
      record.bandwidthGbps = rate / 1e9
      records.append(record)
    }
    let links = try LinkModel.fit(records)
    #expect(links.links.map(\.sameHost) == [true, false, true], "links (0,1), (0,2), (1,0)")
    let within = try #require(links.withinHost)
    let between = try #require(links.betweenHosts)
    #expect(Self.close(within.latencyS, 1e-6) && within.bandwidthBytesPerS == 5e9)
    #expect(Self.close(between.latencyS, 50e-6) && between.bandwidthBytesPerS == 1e8)
  }

  @Test func measuredAcrossHostsUsesTheLinksOfOneHostWithinANode() throws {
    // The ring fit is the network's (50 us, 100 MB/s); the p2p links within a host are 5 GB/s.
    var models = PredictionTests.models(alpha: 50e-6, beta: 1e-8)
    models.provenance = MeasurementProvenance(hosts: 2, ranksPerHost: [2], rankCounts: [2, 4])
    models.links = LinkModel(
      latencyS: 25e-6, bandwidthBytesPerS: 1e9,
      links: [
        .init(
          from: 0, to: 1, latencyS: 1e-6, bandwidthBytesPerS: 5e9, fittedLatencyS: nil,
          fittedBandwidthBytesPerS: nil, sameHost: true),
        .init(
          from: 0, to: 2, latencyS: 50e-6, bandwidthBytesPerS: 1e8, fittedLatencyS: nil,
          fittedBandwidthBytesPerS: nil, sameHost: false),
      ])
    var request = TrainingTimePrediction.Request(model: "resnet50", samples: 1e6, epochs: 1)
    request.algorithm = "ring"
    let prediction = TrainingTimePrediction(models: models)
    let levels = try prediction.levels("ring", request)
    #expect(Self.close(levels.intra.betaSPerByte, 1 / 5e9) && Self.close(levels.intra.alphaS, 1e-6))
    #expect(Self.close(levels.inter.betaSPerByte, 1e-8) && Self.close(levels.inter.alphaS, 50e-6))
    // Ring over 4 ranks of one node, 4 MB: 6 rounds of 1 us + 1 MB / 5 GB/s.
    let bytes = 4_000_000
    let (oneNode, _) = levels.pricer(algorithm: "ring", nodes: 1, perNode: 4)(bytes)
    #expect(Self.close(oneNode, 6 * (1e-6 + 1e6 / 5e9)), "\(oneNode) s")
    request.ranksPerNode = 4
    let one = try prediction.predict(request, nodes: [1])[0]
    request.ranksPerNode = 1
    let four = try prediction.predict(request, nodes: [4])[0]
    #expect(one.allreduceMs * 10 < four.allreduceMs, "1×4 \(one.allreduceMs) ms, 4×1 \(four.allreduceMs) ms")
  }
}
