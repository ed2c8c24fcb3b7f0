import Foundation
import Testing

@testable import Kernels

/// The kernel microbenchmark harness: cost models, records, shape inference, BLAS core choice.
struct KernelBenchmarkTests {
  @Test func convolutionFLOPsCountTwoPerMultiplyAdd() throws {
    // AlexNet conv2 per image: 256 outputs × 27·27 positions × (96/2)·5·5 multiply-adds.
    let conv = KernelCase(
      op: "conv",
      kind: .convolution(outputs: 256, kernel: Extent(5), stride: Extent(1), padding: Extent(2), groups: 2, bias: true),
      inputs: [Shape(96, 27, 27)])
    let forward = 2.0 * 256 * 27 * 27 * 48 * 25
    #expect(try conv.flops(batch: 1, backward: false) == forward)
    #expect(try conv.flops(batch: 4, backward: true) == 8 * forward)
    // Forward bytes: input, output, weights and bias as float32.
    let bytes = 4.0 * Double(96 * 27 * 27 + 256 * 27 * 27 + 256 * 48 * 25 + 256)
    #expect(try conv.bytesMoved(batch: 1, backward: false) == bytes)
  }

  @Test func recordsCarryEveryKernelField() throws {
    let cases = [
      KernelCase(
        op: "conv",
        kind: .convolution(outputs: 4, kernel: Extent(3), stride: Extent(1), padding: Extent(1), groups: 1, bias: true),
        inputs: [Shape(3, 8, 8)]),
      KernelCase(op: "relu", kind: .relu, inputs: [Shape(3, 8, 8)]),
    ]
    let benchmark = KernelBenchmark(batch: 2, threads: 1, repeats: 2, warmup: 0, runId: "test")
    var reported = 0
    let records = try benchmark.run(cases, operations: ["conv", "relu", "sgemm", "im2col"]) { _ in reported += 1 }
    // conv, its sgemm twin and its im2col, and relu: forward and backward each.
    #expect(records.count == 8)
    #expect(reported == records.count)
    #expect(records.map { $0.op ?? "" } == ["conv", "conv", "sgemm", "sgemm", "im2col", "im2col", "relu", "relu"])
    for record in records {
      #expect(record.kind == .kernel && record.runId == "test")
      #expect(record.pass == "forward" || record.pass == "backward")
      let fastest: Double = record.timeUs?.min ?? -1
      let bytes: Double = record.bytesMoved ?? 0
      #expect(fastest >= 0 && bytes > 0)
      let expectedShape = record.op == "relu" ? "2×[3×8×8] → 3×8×8" : "2×[3×8×8] k3×3 s1×1 p1×1 g1 → 4×8×8"
      #expect(record.shape == expectedShape)
    }
    let conv = records[0]
    let expectedFLOPs: Double = 2 * 2 * 4 * 64 * 27
    #expect(conv.flops == expectedFLOPs)
  }

  @Test func casesFromASpecFollowItsShapes() throws {
    let cases = try KernelCase.cases(from: SmallModels.convolutional)
    #expect(cases.map(\.op) == ["conv", "bn", "relu", "maxpool", "fc", "softmax"])
    #expect(cases[3].inputs == [Shape(8, 12, 12)])
    #expect(try cases[3].outputShape == Shape(8, 6, 6))
    #expect(try cases[4].outputShape == Shape(5, 1, 1))
  }

  @Test func casesNameTheLayersTheyStandFor() throws {
    // relu1 and relu2 both read 32×1×1: one case for the two layers.
    let cases = try KernelCase.cases(from: SmallModels.perceptron)
    #expect(cases.map(\.op) == ["fc", "relu", "fc", "fc", "softmax"])
    #expect(cases.map(\.layers) == [["fc1"], ["relu1", "relu2"], ["fc2"], ["fc3"], ["loss"]])
    #expect(KernelCase.builtIn.allSatisfy { $0.layers.isEmpty })
  }

  @Test func recordsOfAModelsLayersCarryTheModelAndLayerNames() throws {
    let cases = try KernelCase.cases(from: SmallModels.perceptron)
    let benchmark = KernelBenchmark(batch: 2, threads: 1, repeats: 1, warmup: 0, runId: "test", model: "mlp")
    let records = try benchmark.run(cases, operations: ["fc", "relu", "softmax", "sgemm"])
    #expect(records.count == 2 * (cases.count + 3))
    for record in records {
      #expect(record.model == "mlp")
      if record.op == "sgemm" {
        #expect(record.layers == nil, "a bare GEMM is no layer")
      } else {
        let own = try #require(record.layers)
        #expect(cases.contains { $0.layers == own && $0.op == record.op })
      }
    }
    #expect(records.filter { $0.op == "relu" }.map(\.layers) == [["relu1", "relu2"], ["relu1", "relu2"]])
    // The built-in table belongs to no model.
    let plain = try KernelBenchmark(batch: 1, threads: 1, repeats: 1, warmup: 0).run(
      [KernelCase(op: "relu", kind: .relu, inputs: [Shape(2, 2, 2)])])
    #expect(plain.allSatisfy { $0.model == nil && $0.layers == nil })
  }

  @Test func builtInCasesAreConsistent() throws {
    for kernelCase in KernelCase.builtIn {
      #expect(KernelCase.operations.contains(kernelCase.op))
      #expect(KernelCase.op(of: kernelCase.kind) == kernelCase.op)
      _ = try kernelCase.outputShape
    }
  }

  /// Independent of this machine's environment (some set OPENBLAS_CORETYPE themselves), except
  /// in its last line, where the user's choice wins.
  @Test func genericOpenBLASKernelsAreReplacedOnCapableCPUs() {
    let avx512: Set = ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
    #expect(BLAS.suggestedCoreType(cpuFlags: avx512, coreName: "Prescott", environment: [:]) == "SkylakeX")
    #expect(BLAS.suggestedCoreType(cpuFlags: ["avx2", "fma"], coreName: "Prescott", environment: [:]) == "Haswell")
    #expect(BLAS.suggestedCoreType(cpuFlags: ["sse3"], coreName: "Prescott", environment: [:]) == nil)
    #expect(BLAS.suggestedCoreType(cpuFlags: avx512, coreName: "SkylakeX", environment: [:]) == nil)
    let chosen = ["OPENBLAS_CORETYPE": "Haswell"]
    #expect(BLAS.suggestedCoreType(cpuFlags: avx512, coreName: "Prescott", environment: chosen) == nil)
  }

  /// OpenBLAS's workers should sleep after each call only when there are workers to spin, and
  /// a timeout the user set is left alone.
  @Test func threadTimeoutIsSuggestedOnlyForSeveralThreads() {
    #expect(BLAS.suggestedThreadTimeout(threads: 1) == nil)
    let userSet = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] != nil
    #expect(BLAS.suggestedThreadTimeout(threads: 2) == (userSet ? nil : "4"))
  }
}
