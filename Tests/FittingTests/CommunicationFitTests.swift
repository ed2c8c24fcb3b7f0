import Measurements
import Testing

@testable import Fitting

/// Hockney and structural allreduce fits and the link model recover the parameters that made
/// their synthetic data.
struct CommunicationFitTests {
  static let alpha = 40e-6
  static let beta = 1 / 25e6
  static let gamma = 1 / 2e9
  static let sizes = (3...24).map { 1 << $0 }

  static func timings(
    _ algorithms: [String], ranks: [Int], noise: Double = 0, seed: UInt64 = 7
  ) -> [CollectiveTiming] {
    var generator = SeededNoise(seed: seed)
    var result: [CollectiveTiming] = []
    for algorithm in algorithms {
      let truth = StructuralCollectiveModel(
        algorithm: algorithm, alphaS: alpha, betaSPerByte: beta, gammaSPerByte: gamma,
        usesRingTerms: false, rankCounts: [], points: 0)
      for p in ranks {
        for n in sizes {
          let t = truth.seconds(ranks: p, bytes: n)
          result.append(
            CollectiveTiming(
              algorithm: algorithm, ranks: p, bytes: n,
              seconds: noise > 0 ? generator.perturb(t, relative: noise) : t))
        }
      }
    }
    return result
  }

  @Test func structuralFitRecoversAlphaBetaGammaExactly() throws {
    let data = Self.timings(["ring", "recursive-doubling", "rabenseifner", "binomial"], ranks: [2, 4, 8])
    let gamma = try #require(StructuralCollectiveModel.sharedReductionCost(data))
    #expect(isClose(gamma, Self.gamma, relative: 1e-6), "γ \(gamma)")
    let (models, errors) = StructuralCollectiveModel.fitAll(data)
    #expect(errors.isEmpty)
    #expect(models.count == 4)
    for model in models {
      #expect(isClose(model.alphaS, Self.alpha, relative: 1e-6), "\(model.algorithm) α \(model.alphaS)")
      #expect(isClose(model.betaSPerByte, Self.beta, relative: 1e-6), "\(model.algorithm) β \(model.betaSPerByte)")
      let mape = try #require(model.mape)
      #expect(mape < 1e-4, "\(model.algorithm) held-out MAPE \(mape)")
    }
  }

  @Test func structuralFitWithFivePercentNoiseStaysWithinBounds() throws {
    let data = Self.timings(["ring", "recursive-doubling"], ranks: [2, 4, 8], noise: 0.05)
    let (models, _) = StructuralCollectiveModel.fitAll(data)
    for model in models {
      // Uniform ±5 % noise over 66 points: the fitted parameters land within a few percent;
      // 15 % leaves room for the α/β trade-off at small sizes.
      #expect(isClose(model.alphaS, Self.alpha, relative: 0.15), "\(model.algorithm) α \(model.alphaS)")
      #expect(isClose(model.betaSPerByte, Self.beta, relative: 0.15), "\(model.algorithm) β")
      #expect(try #require(model.mape) < 6, "held-out MAPE within the noise")
    }
  }

  @Test func oneAlgorithmPutsThePerByteCostInBeta() throws {
    let data = Self.timings(["ring"], ranks: [2, 4])
    #expect(StructuralCollectiveModel.sharedReductionCost(data) == nil)
    let model = try #require(StructuralCollectiveModel.fitAll(data).models.first)
    #expect(model.gammaSPerByte == 0)
    // ring: 2s·nβ + s·nγ = 2s·n(β + γ/2).
    #expect(isClose(model.betaSPerByte, Self.beta + Self.gamma / 2, relative: 1e-6))
  }

  @Test func hockneyPiecesSplitAtTheEagerLimit() throws {
    let data = Self.sizes.map { n in
      let t = n < 65_536 ? 20e-6 + Double(n) * 1e-8 : 300e-6 + Double(n) * 4e-8
      return CollectiveTiming(algorithm: "mpi", ranks: 4, bytes: n, seconds: t)
    }
    let model = try HockneyModel.fit(data)
    #expect(model.pieces.count == 2)
    #expect(model.pieces[1].fromBytes == 65_536)
    #expect(isClose(model.pieces[0].latencyS, 20e-6, relative: 1e-6))
    #expect(isClose(model.pieces[0].secondsPerByte, 1e-8, relative: 1e-6))
    #expect(isClose(model.pieces[1].latencyS, 300e-6, relative: 1e-6))
    #expect(isClose(model.pieces[1].secondsPerByte, 4e-8, relative: 1e-6))
    let chosen = try HockneyModel.fit(data, breakpoint: .chosenByData)
    #expect(chosen.pieces[1].fromBytes == 65_536)
  }

  @Test func tooFewPointsIsAClearError() {
    let one = [CollectiveTiming(algorithm: "ring", ranks: 2, bytes: 8, seconds: 1e-5)]
    #expect(throws: FittingError.self) { try HockneyModel.fit(one) }
    let (models, errors) = StructuralCollectiveModel.fitAll(one)
    #expect(models.isEmpty)
    #expect(errors.first?.description.contains("too few points") == true)
  }

  @Test func linksRecoverLatencyAndBandwidth() throws {
    var records: [Record] = []
    for (from, to, rate) in [(0, 1, 25e6), (1, 0, 50e6)] {
      for n in Self.sizes {
        var record = Record(kind: .p2p, runId: "test")
        record.from = from
        record.to = to
        record.bytes = n
        let seconds = 50e-6 + Double(n) / rate
        record.latencyUs = seconds * 1e6
        record.bandwidthGbps = Double(n) / seconds / 1e9
        records.append(record)
      }
    }
    let model = try LinkModel.fit(records)
    #expect(model.links.count == 2)
    let slow = model.links[0]
    #expect(isClose(try #require(slow.fittedBandwidthBytesPerS), 25e6, relative: 1e-6))
    #expect(isClose(try #require(slow.fittedLatencyS), 50e-6, relative: 1e-6))
    #expect(isClose(slow.latencyS, 50e-6 + 8 / 25e6, relative: 1e-12))
    #expect(slow.bandwidthBytesPerS < 25e6)
    #expect(model.latencyS > 0 && model.bandwidthBytesPerS > 25e6 && model.bandwidthBytesPerS < 50e6)
  }

  /// A message that fits the link's burst allowance crosses faster than the link rate; the
  /// overall bandwidth is still what the links measured at their largest size.
  @Test func burstDoesNotPullTheOverallBandwidth() throws {
    var records: [Record] = []
    for (from, to) in [(0, 1), (1, 0), (0, 2)] {
      for (n, seconds) in [(8, 60e-6), (65_536, 65_536 / 41e6), (1 << 20, 60e-6 + Double(1 << 20) / 24e6)] {
        var record = Record(kind: .p2p, runId: "burst")
        record.from = from
        record.to = to
        record.bytes = n
        record.latencyUs = seconds * 1e6
        record.bandwidthGbps = n == 1 << 20 ? 24e6 / 1e9 : Double(n) / seconds / 1e9
        records.append(record)
      }
    }
    let model = try LinkModel.fit(records)
    #expect(isClose(model.bandwidthBytesPerS, 24e6, relative: 1e-9))
    #expect(isClose(model.latencyS, 60e-6, relative: 1e-9))
    #expect(try #require(model.fittedBandwidthBytesPerS) > 26e6, "the line through all sizes is pulled by the burst")
  }
}

/// Hockney pieces under seeded noise.
struct NoisyHockneyTests {
  @Test func piecesStayWithinTheNoise() throws {
    var generator = SeededNoise(seed: 19)
    let data = CommunicationFitTests.sizes.map { n in
      let t = n < 65_536 ? 20e-6 + Double(n) * 1e-8 : 300e-6 + Double(n) * 4e-8
      return CollectiveTiming(algorithm: "ring", ranks: 4, bytes: n, seconds: generator.perturb(t, relative: 0.03))
    }
    let model = try HockneyModel.fit(data)
    // ±3 % noise: the small-size piece's latency (which dominates there) and the large-size
    // piece's per-byte cost (which dominates there) land within a few times the noise.
    #expect(isClose(model.pieces[0].latencyS, 20e-6, relative: 0.1), "\(model.pieces[0].latencyS)")
    #expect(isClose(model.pieces[1].secondsPerByte, 4e-8, relative: 0.05), "\(model.pieces[1].secondsPerByte)")
    #expect(try #require(model.mape) < 6)
  }
}

/// The structural model in two pieces, split at the eager limit by a step's message size.
struct PiecewiseStructuralFitTests {
  /// Ring times with one (α, β) for steps of at most 64 KiB per message and another above.
  func ringTimes(ranks: [Int], sizes: [Int]) -> [CollectiveTiming] {
    ranks.flatMap { p in
      sizes.map { n in
        let terms = AllreduceKind.ring.cost(ranks: p, bytes: n)!
        let eager = Double(n) / Double(p) <= 65_536
        let (alpha, beta) = eager ? (20e-6, 40e-9) : (900e-6, 41e-9)
        return CollectiveTiming(
          algorithm: "ring", ranks: p, bytes: n, seconds: terms.alpha * alpha + terms.beta * beta)
      }
    }
  }

  @Test func recoversEachPieceAndPredictsAHeldOutRankCountExactly() throws {
    let sizes = [16_384, 65_536, 131_072, 1 << 20, 4 << 20, 16 << 20]
    let model = try StructuralCollectiveModel.fit(ringTimes(ranks: [2, 3, 4], sizes: sizes), reductionCost: 0)
    let pieces = try #require(model.pieces)
    #expect(pieces.count == 2 && pieces[0].maximumMessageBytes == 65_536 && pieces[1].maximumMessageBytes == nil)
    #expect(isClose(pieces[0].alphaS, 20e-6, relative: 1e-6) && isClose(pieces[0].betaSPerByte, 40e-9, relative: 1e-6))
    #expect(isClose(pieces[1].alphaS, 900e-6, relative: 1e-6) && isClose(pieces[1].betaSPerByte, 41e-9, relative: 1e-6))
    // Held out: 5 ranks, on both sides of the limit.
    for truth in ringTimes(ranks: [5], sizes: [131_072, 8 << 20]) {
      #expect(isClose(model.seconds(ranks: 5, bytes: truth.bytes), truth.seconds, relative: 1e-6))
    }
    #expect(try #require(model.mape) < 1e-6)
  }

  @Test func pointsOnOneSideFitOneLine() throws {
    let model = try StructuralCollectiveModel.fit(
      ringTimes(ranks: [2, 3], sizes: [1 << 20, 4 << 20, 16 << 20]), reductionCost: 0)
    #expect(model.pieces == nil)
    #expect(isClose(model.alphaS, 900e-6, relative: 1e-6))
  }

  @Test func anOverriddenLinkReplacesThePieces() throws {
    var file = ModelsFile()
    let sizes = [16_384, 65_536, 1 << 20, 16 << 20]
    file.communication = [try StructuralCollectiveModel.fit(ringTimes(ranks: [2, 3], sizes: sizes), reductionCost: 0)]
    #expect(file.communication[0].pieces != nil)
    var request = TrainingTimePrediction.Request(model: "sensornet", samples: 1e6, epochs: 1)
    request.linkBytesPerS = 1e9
    request.sampleTimeMs = 1
    let model = try TrainingTimePrediction(models: file).allreduceModel("ring", request)
    #expect(model.pieces == nil && model.betaSPerByte == 1e-9)
  }
}
