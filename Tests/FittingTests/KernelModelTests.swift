import Foundation
import Kernels
import Measurements
import Testing

@testable import Fitting

/// The per-layer compute model: shapes as records write them, leave-one-model-out folds, and the
/// recovery of known per-op efficiencies.
struct KernelModelTests {
  /// Per-op rooflines of a synthetic machine: (op, pass) → (peak FLOP/s, bandwidth B/s).
  static let efficiencies: [String: (peak: Double, bandwidth: Double)] = [
    "conv|forward": (40e9, 20e9), "conv|backward": (25e9, 20e9),
    "relu|forward": (1e12, 4e9), "relu|backward": (1e12, 3e9),
    "maxpool|forward": (1e12, 2e9), "maxpool|backward": (1e12, 1.5e9),
  ]

  /// Five models of convolution, ReLU and max pooling layers on different shapes, at batch 1
  /// and 2, timed exactly by `efficiencies`; each layer shape stands for one or two layers.
  static func layers() -> [KernelSample] {
    var result: [KernelSample] = []
    for (index, model) in ["alpha", "beta", "gamma", "delta", "epsilon"].enumerated() {
      for batch in [1, 2] {
        for step in 0..<4 {
          let c = 8 << ((index + step) % 5)
          let h = 7 * (1 + (index * 3 + step) % 4)
          let elements = Double(batch * c * h * h)
          let kernels: [(String, String, Double, Double)] = [
            (
              "conv", "\(batch)×[\(c)×\(h)×\(h)] k3×3 s1×1 p1×1 g1 → \(c)×\(h)×\(h)", 2 * elements * Double(c * 9),
              4 * (2 * elements + Double(c * c * 9))
            ),
            ("relu", "\(batch)×[\(c)×\(h)×\(h)] → \(c)×\(h)×\(h)", elements, 8 * elements),
            ("maxpool", "\(batch)×[\(c)×\(h)×\(h)] k2 s2 p0 → \(c)×\(h / 2)×\(h / 2)", elements, 5 * elements),
          ]
          for (op, shape, forwardFlops, forwardBytes) in kernels {
            for (pass, factor) in [("forward", 1.0), ("backward", 2.0)] {
              let roof = efficiencies["\(op)|\(pass)"]!
              let flops = factor * forwardFlops
              let bytes = factor * forwardBytes
              result.append(
                KernelSample(
                  op: op, shape: shape, pass: pass, flops: flops, bytesMoved: bytes,
                  seconds: max(flops / roof.peak, bytes / roof.bandwidth), model: model, layerCount: 1 + step % 2))
            }
          }
        }
      }
    }
    return result
  }

  /// Two grid points: tuning still runs inside every fold, at a fraction of the full grid's cost.
  static let smallGrid = [0.05, 0.1].map { epsilon in
    var parameters = SupportVectorRegression.Parameters()
    parameters.cost = 3
    parameters.gamma = 0.05
    parameters.epsilon = epsilon
    return parameters
  }

  @Test func describedShapesGiveTheirDimensions() {
    let dimensions = KernelShape.dimensions("8×[64×56×56 + 32×56×56] k3×3 s2×2 p1×1 g2 → 96×28×28")
    let expected: [String: Double] = [
      "n": 8, "c": 96, "h": 56, "w": 56, "inputs": 2, "k": 3, "kw": 3, "s": 2, "p": 1, "g": 2, "o": 96, "oh": 28,
      "ow": 28,
    ]
    #expect(dimensions == expected)
    #expect(KernelShape.dimensions("n=8 c=64, h=56 bad=x") == ["n": 8, "c": 64, "h": 56])
    #expect(KernelShape.dimensions("2×[96×55×55] n5 → 96×55×55")["k"] == 5)
    #expect(KernelShape.dimensions("2×[1×59×128] k3×128 s1×1 p1×0 g1 → 128×59×1")["kw"] == 128)
  }

  @Test func recordsGiveSamplesWithTheirModelAndLayers() throws {
    func record(_ fastest: Double, model: String?, layers: [String]?) -> Record {
      var record = Record(kind: .kernel, runId: "r")
      record.op = "relu"
      record.pass = "forward"
      record.shape = "2×[8×4×4] → 8×4×4"
      record.flops = 256
      record.bytesMoved = 2048
      record.model = model
      record.layers = layers
      record.timeUs = Summary(
        min: fastest, mean: 2 * fastest, median: 1.5 * fastest, p95: 3 * fastest, max: 4 * fastest)
      return record
    }
    let samples = KernelSample.from([
      record(10, model: "m", layers: ["a", "b", "c"]), record(7, model: "m", layers: ["a", "b", "c"]),
      record(5, model: nil, layers: nil),
    ])
    // The same kernel of the same model measured twice is one sample, at its fastest time.
    #expect(samples.count == 2)
    #expect(samples[0].model == "m" && samples[0].group == "m" && samples[0].layerCount == 3)
    #expect(isClose(samples[0].seconds, 7e-6, relative: 1e-12))
    #expect(samples[0].batch == 2)
    #expect(samples[1].model == nil && samples[1].group == samples[1].shape && samples[1].layerCount == 1)
  }

  @Test func foldsHoldOutWholeModels() throws {
    let samples = Self.layers()
    let folds = KernelTimeModel.crossValidationFolds(samples)
    #expect(folds.count == 5)
    var predicted = Set<Int>()
    for fold in folds {
      let heldModels = Set(fold.heldOut.map { samples[$0].model! })
      let trainingModels = Set(fold.training.map { samples[$0].model! })
      #expect(heldModels.count == 1)
      #expect(heldModels.isDisjoint(with: trainingModels), "held-out \(heldModels) trained on")
      #expect(Set(fold.training).isDisjoint(with: fold.heldOut))
      #expect(fold.training.count + fold.heldOut.count == samples.count)
      predicted.formUnion(fold.heldOut)
    }
    #expect(predicted == Set(samples.indices))
  }

  @Test func perOperationRooflineRecoversEachOpsEfficiency() throws {
    let fitted = try OperationRoofline.fit(Self.layers())
    for (key, truth) in Self.efficiencies {
      let roofline = try #require(fitted.operations[key], "\(key) not fitted")
      // Conv is compute-bound throughout, the others memory-bound: only that roof is resolved.
      if key.hasPrefix("conv") {
        #expect(isClose(roofline.peakFlopsPerS, truth.peak, relative: 1e-9), "\(key) peak")
      } else {
        #expect(isClose(roofline.bandwidthBytesPerS, truth.bandwidth, relative: 1e-9), "\(key) bandwidth")
      }
    }
  }

  @Test func perOperationTimeLawFollowsEachOpsWork() throws {
    // conv (compute-bound, 15-600 FLOPs per byte): t = e^-26 · FLOPs^0.9 · bytes^0.2.
    // relu (memory-bound, FLOPs proportional to bytes): 75 GB/s up to 2 MB, 28 GB/s beyond, the
    // step a cache level makes. softmax: too few samples for a law.
    var samples: [KernelSample] = []
    for (index, flops) in [1e6, 4e6, 2e7, 9e7, 3e8, 1e9, 4e9, 2e10].enumerated() {
      let bytes = flops / [20, 300, 35, 15, 600, 25, 120, 40][index]
      let seconds = Foundation.exp(-26 + 0.9 * Foundation.log(flops + 1) + 0.2 * Foundation.log(bytes + 1))
      samples.append(
        KernelSample(op: "conv", shape: "n=\(index)", flops: flops, bytesMoved: bytes, seconds: seconds, group: "a"))
    }
    func relu(_ bytes: Double) -> KernelSample {
      KernelSample(
        op: "relu", shape: "b=\(bytes)", flops: bytes / 8, bytesMoved: bytes,
        seconds: bytes / (bytes <= 2e6 ? 75e9 : 28e9),
        group: "a")
    }
    samples += stride(from: 10.0, through: 19.0, by: 0.25).map { relu(Foundation.exp($0)) }
    samples += [1e3, 1e5].map {
      KernelSample(
        op: "softmax", shape: "n=\($0)", flops: 5 * $0, bytesMoved: 8 * $0, seconds: 8 * $0 / 1e9, group: "b")
    }
    let fitted = try OperationTimeLaw.fit(samples)
    let convolution = try #require(fitted.operations["conv|forward"])
    #expect(convolution.knots.isEmpty, "conv is compute-bound: a plain power law")
    #expect(abs(convolution.coefficients[0] - 0.9) < 0.01, "\(convolution.coefficients)")
    #expect(abs(convolution.coefficients[1] - 0.2) < 0.01, "\(convolution.coefficients)")
    for sample in samples where sample.op == "conv" {
      #expect(isClose(fitted.seconds(sample), sample.seconds, relative: 0.02), "\(sample.shape)")
    }
    // The hinges follow the step (as a ramp over the e-fold of bytes around it); a power law
    // through both rates misses each side by about 40 %.
    let law = try #require(fitted.operations["relu|forward"])
    #expect(law.knots.count == 30)
    for bytes in [6e4, 5e5, 8e6, 5e7] {
      let unseen = relu(bytes)
      #expect(isClose(fitted.seconds(unseen), unseen.seconds, relative: 0.1), "\(bytes) bytes")
    }
    let plain = try #require(OperationTimeLaw.law(samples.filter { $0.op == "relu" }, knots: []))
    #expect(!isClose(plain.seconds(flops: 5e5 / 8, bytes: 5e5), relu(5e5).seconds, relative: 0.2))
    #expect(fitted.operations["softmax|forward"] == nil)
    let small = samples.last!
    #expect(fitted.seconds(small) == fitted.fallback.seconds(small))
    #expect(isClose(fitted.seconds(small), small.seconds, relative: 1e-9))
  }

  @Test func heldOutModelsArePricedByTheirOpsEfficiency() throws {
    let model = try KernelTimeModel.fit(Self.layers(), grid: Self.smallGrid)
    // The truth is one roofline per op, a power law of its work that every training fold's per-op
    // law recovers up to the ridge's small shrinkage of the exponents: the regression's correction
    // is 0 inside its ε-tube, and a held-out kernel is priced within a percent or two.
    let regression = try #require(model.regressionMape)
    let roofline = try #require(model.rooflineMape)
    #expect(regression < 2, "SVR held-out MAPE \(regression) %")
    #expect(try #require(model.stepMape) < 2)
    // One roofline for all ops cannot price ops of different efficiency.
    #expect(roofline > 20, "roofline held-out MAPE \(roofline) %")
    #expect(model.heldOut.count == 10)
    for row in model.heldOut {
      #expect(abs(row.stepError) < 0.02, "\(row.model) batch \(row.batch)")
      let measured =
        Self.layers().filter { $0.model == row.model && $0.batch == row.batch }
        .map { $0.seconds * Double($0.layerCount) }.reduce(0, +) * 1e3
      #expect(isClose(row.measuredMs, measured, relative: 1e-12))
    }
  }

  @Test func heldOutMapeDoesNotUseTheHeldOutModel() throws {
    // One model runs every kernel 3× slower than the others. Held out, nothing it was fitted on
    // says so: its layers are predicted at the others' speed, 2/3 too fast.
    let samples = Self.layers().map { sample -> KernelSample in
      var slow = sample
      if sample.model == "gamma" { slow.seconds *= 3 }
      return slow
    }
    let model = try KernelTimeModel.fit(samples, grid: Self.smallGrid)
    let gamma = model.heldOut.filter { $0.model == "gamma" }
    #expect(gamma.count == 2)
    for row in gamma {
      #expect(abs(row.stepError + 2.0 / 3.0) < 0.05, "gamma batch \(row.batch): \(row.stepError)")
    }
  }

  @Test func layerWorkloadDescribesLayersAsTheBenchmarkRecordsThem() throws {
    let spec = try Zoo.spec(named: "sensornet")
    let benchmark = KernelBenchmark(batch: 2, threads: 1, repeats: 1, warmup: 0, runId: "t", model: spec.name)
    let layerOperations = Set(KernelCase.operations).subtracting(["sgemm", "im2col"])
    let measured = KernelSample.from(try benchmark.run(KernelCase.cases(from: spec), operations: layerOperations))
    let described = try LayerWorkload.samples(of: spec, batch: 2)
    #expect(measured.count == described.count)
    for (record, layer) in zip(measured, described) {
      #expect(record.op == layer.op && record.pass == layer.pass && record.shape == layer.shape)
      #expect(record.flops == layer.flops && record.bytesMoved == layer.bytesMoved)
      #expect(record.layerCount == layer.layerCount && record.model == layer.model)
    }
    let layers = try spec.summary().layers.count
    #expect(described.filter { $0.pass == "forward" }.map(\.layerCount).reduce(0, +) == layers)
  }
}
