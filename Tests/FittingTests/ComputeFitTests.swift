import Foundation
import Kernels
import Measurements
import Testing

@testable import Fitting

/// Roofline, kernel regression and the per-step compute line recover synthetic machines.
struct ComputeFitTests {
  static let peak = 50e9
  static let bandwidth = 10e9

  /// Convolutions and elementwise kernels on a grid of shapes, timed by a known roofline; four
  /// groups standing for four models.
  static func samples(noise: Double = 0, seed: UInt64 = 3, launchOverhead: Double = 0) -> [KernelSample] {
    var generator = SeededNoise(seed: seed)
    var result: [KernelSample] = []
    var index = 0
    for n in [1, 4, 16] {
      for c in [16, 64, 256] {
        for h in [7, 28, 56] {
          let elements = Double(n * c * h * h)
          let convolutionFlops = 2 * elements * Double(c) * 9
          let kernels = [
            (
              "conv", "n=\(n) c=\(c) h=\(h) w=\(h) k=3 s=1 o=\(c)", convolutionFlops,
              4 * (2 * elements + Double(c * c * 9))
            ),
            ("relu", "n=\(n) c=\(c) h=\(h) w=\(h)", elements, 8 * elements),
          ]
          for (op, shape, flops, bytes) in kernels {
            let t = max(flops / peak, bytes / bandwidth) + launchOverhead
            result.append(
              KernelSample(
                op: op, shape: shape, flops: flops, bytesMoved: bytes,
                seconds: noise > 0 ? generator.perturb(t, relative: noise) : t, group: "model\(index % 4)"))
            index += 1
          }
        }
      }
    }
    return result
  }

  @Test func rooflineRecoversPeakAndBandwidthExactly() throws {
    let model = try RooflineModel.fit(Self.samples())
    #expect(isClose(model.peakFlopsPerS, Self.peak, relative: 1e-9))
    #expect(isClose(model.bandwidthBytesPerS, Self.bandwidth, relative: 1e-9))
  }

  @Test func regressionPredictsHeldOutModelsWithNoise() throws {
    let model = try KernelTimeModel.fit(Self.samples(noise: 0.05))
    let regression = try #require(model.regressionMape)
    let roofline = try #require(model.rooflineMape)
    // The truth is a roofline, so the baseline is near the ±5 % noise (mean |u| = 2.5 %); the
    // regression, a correction to it, stays within a few times the noise.
    #expect(roofline < 5, "roofline held-out MAPE \(roofline)")
    #expect(regression < 10, "SVR held-out MAPE \(regression)")
  }

  @Test func regressionBeatsTheRooflineWhenKernelsHaveALaunchCost() throws {
    // A fixed 20 us per kernel, which no roofline has: the small kernels are far off the roof.
    // Fixed hyperparameters: with four groups, tuning inside each fold's three is itself noisy.
    var parameters = SupportVectorRegression.Parameters()
    parameters.cost = 10
    parameters.gamma = 0.05
    parameters.epsilon = 0.05
    let model = try KernelTimeModel.fit(Self.samples(noise: 0.02, launchOverhead: 20e-6), grid: [parameters])
    let regression = try #require(model.regressionMape)
    let roofline = try #require(model.rooflineMape)
    #expect(regression < roofline / 2, "SVR \(regression) % against roofline \(roofline) %")
  }

  @Test func supportVectorRegressionFitsASmoothFunction() throws {
    let xs = stride(from: -2.0, through: 2.0, by: 0.1).map { [$0] }
    let ys = xs.map { sin($0[0]) }
    var parameters = SupportVectorRegression.Parameters()
    parameters.epsilon = 0.01
    parameters.cost = 100
    parameters.gamma = 1
    let model = try SupportVectorRegression.train(features: xs, targets: ys, parameters: parameters)
    for (x, y) in zip(xs, ys) {
      // Inside the ε-tube up to the solver's tolerance.
      #expect(abs(model.predict(x) - y) < 0.02, "x \(x[0])")
    }
  }

  @Test func stepComputeLineFromTrainRecords() throws {
    var records: [Record] = []
    for batch in [8, 16, 32, 64] {
      var record = Record(kind: .train, runId: "t")
      record.model = "resnet50"
      record.batchPerRank = batch
      let total = 40 + 12.5 * Double(batch)
      record.forwardMs = total / 3
      record.backwardMs = 2 * total / 3
      record.updateMs = 5
      records.append(record)
    }
    let model = try StepComputeModel.fit(records, model: "resnet50")
    #expect(isClose(model.fixedMs, 40, relative: 1e-9))
    #expect(isClose(model.perSampleMs, 12.5, relative: 1e-9))
    #expect(model.updateMs == 5)
    #expect(try #require(model.mape) < 1e-6)
  }

  @Test func stepComputeUsesTheFewestRanks() throws {
    var records: [Record] = []
    for (ranks, slowdown) in [(1, 1.0), (4, 2.0)] {
      for batch in [8, 16] {
        var record = Record(kind: .train, runId: "t")
        record.model = "vgg16"
        record.ranks = ranks
        record.batchPerRank = batch
        record.forwardMs = slowdown * (10 + 3 * Double(batch))
        record.backwardMs = 0
        records.append(record)
      }
    }
    let (models, errors) = StepComputeModel.fitAll(records)
    #expect(errors.isEmpty)
    let model = try #require(models.first)
    #expect(isClose(model.fixedMs, 10, relative: 1e-9))
    #expect(isClose(model.perSampleMs, 3, relative: 1e-9))
  }

  /// PyTorch's train records (`--engine pytorch`) do not enter dlscale's compute model.
  @Test func stepComputeIgnoresOtherEngines() throws {
    var records: [Record] = []
    for (engine, perSample) in [(nil, 3.0), ("pytorch", 1.0)] {
      for batch in [8, 16] {
        var record = Record(kind: .train, runId: "t")
        record.model = "vgg16"
        record.ranks = 1
        record.batchPerRank = batch
        record.forwardMs = 10 + perSample * Double(batch)
        record.backwardMs = 0
        record.engine = engine
        records.append(record)
      }
    }
    let (models, errors) = StepComputeModel.fitAll(records)
    #expect(errors.isEmpty)
    let model = try #require(models.first)
    #expect(isClose(model.perSampleMs, 3, relative: 1e-9), "dlscale's 3 ms per sample, not PyTorch's 1")
  }

  @Test func zooLayersBecomeKernelSamples() throws {
    let samples = try LayerWorkload.samples(of: try Zoo.spec(named: "resnet50"), batch: 2)
    let summary = try Zoo.spec(named: "resnet50").summary()
    let forwardFlops = samples.filter { $0.pass == "forward" }.map { $0.flops * Double($0.layerCount) }.reduce(0, +)
    #expect(forwardFlops >= 2 * Double(summary.forwardMACs) * 2)
    let first = try #require(samples.first)
    #expect(first.dimensions["n"] == 2)
    #expect(first.op == "conv")
  }

  @Test func tooFewKernelSamplesIsAClearError() {
    let two = Array(Self.samples().prefix(2))
    #expect(throws: FittingError.self) { try KernelTimeModel.fit(two) }
    #expect(throws: FittingError.self) { try StepComputeModel.fit([], model: "m") }
  }
}
