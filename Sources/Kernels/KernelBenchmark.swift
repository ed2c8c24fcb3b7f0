import Measurements

/// Kernel microbenchmarks: each case's layer timed forward and backward at a batch size, and,
/// for convolution and fully connected cases, the bare SGEMM calls of the same dimensions (op
/// `sgemm`), so that a layer's GFLOP/s can be read against the BLAS it is built on.
public struct KernelBenchmark {
  public var batch: Int
  public var threads: Int
  public var repeats: Int
  public var warmup: Int
  public var runId: String
  /// The model whose layers the cases are, written into every record (with each case's layer
  /// names) so that a fit can hold out whole models.
  public var model: String?

  public init(
    batch: Int = 8, threads: Int = 1, repeats: Int = 5, warmup: Int = 1, runId: String = Record.newRunId(),
    model: String? = nil
  ) {
    precondition(batch > 0 && threads > 0 && repeats > 0 && warmup >= 0, "batch, threads and repeats must be positive")
    self.batch = batch
    self.threads = threads
    self.repeats = repeats
    self.warmup = warmup
    self.runId = runId
    self.model = model
  }

  /// Runs every case whose op is in `operations` (and the `sgemm` and `im2col` twins of conv and
  /// fc cases when `operations` holds them), passing each record to `report` as soon as it is
  /// measured. A case's layer and its twins are timed side by side, one repetition of each in
  /// turn, so that a change in the machine's load between them shifts all of them alike and
  /// their ratio stays meaningful.
  public func run(
    _ cases: [KernelCase] = KernelCase.builtIn, operations: Set<String> = Set(KernelCase.operations),
    report: (Record) -> Void = { _ in }
  ) throws -> [Record] {
    BLAS.setThreads(threads)
    var records: [Record] = []
    for kernelCase in cases {
      var contenders: [(op: String, passes: Passes)] = []
      if operations.contains(kernelCase.op) { contenders.append((kernelCase.op, try prepareLayer(kernelCase))) }
      for (op, prepare) in [("sgemm", prepareGEMM), ("im2col", prepareColumns)] where operations.contains(op) {
        if let passes = prepare(kernelCase) { contenders.append((op, passes)) }
      }
      if contenders.isEmpty { continue }
      let forward = time(contenders.map(\.passes.forward))
      let backward = time(contenders.map(\.passes.backward))
      for (index, contender) in contenders.enumerated() {
        for (isBackward, samples) in [(false, forward[index]), (true, backward[index])] {
          var record = try makeRecord(kernelCase, op: contender.op, backward: isBackward, samples: samples)
          if contender.op == "im2col" {
            // Data movement only: no FLOPs; bytes are the image read and the columns written.
            record.flops = 0
            record.gflops = 0
            record.bytesMoved = columnBytes(kernelCase)
          }
          report(record)
          records.append(record)
        }
      }
    }
    return records
  }

  /// The forward and backward pass of one contender, ready to be timed.
  private typealias Passes = (forward: () -> Void, backward: () -> Void)

  private func makeRecord(_ kernelCase: KernelCase, op: String, backward: Bool, samples: [Double]) throws -> Record {
    var record = Record(kind: .kernel, runId: runId)
    let summary = Summary(of: samples.map { $0 * 1e6 })
    let flops = try kernelCase.flops(batch: batch, backward: backward)
    record.op = op
    record.shape = kernelCase.shapeDescription(batch: batch)
    record.flops = flops
    record.bytesMoved = try kernelCase.bytesMoved(batch: batch, backward: backward)
    record.timeUs = summary
    record.gflops = flops / (summary.median * 1e-6) / 1e9
    record.pass = backward ? "backward" : "forward"
    record.threads = threads
    record.batchPerRank = batch
    record.iterations = repeats
    record.warmup = warmup
    record.model = model
    record.layers = kernelCase.layers.isEmpty || op != kernelCase.op ? nil : kernelCase.layers
    return record
  }

  /// Seconds of each timed repetition of each body, after `warmup` untimed ones of each: the
  /// bodies take turns, one repetition each per round.
  private func time(_ bodies: [() -> Void]) -> [[Double]] {
    for _ in 0..<warmup { for body in bodies { body() } }
    var samples = bodies.map { _ in [Double]() }
    for _ in 0..<repeats {
      for (index, body) in bodies.enumerated() {
        let start = MonotonicClock.now()
        body()
        samples[index].append(MonotonicClock.now() - start)
      }
    }
    return samples
  }

  private func prepareLayer(_ kernelCase: KernelCase) throws -> Passes {
    var generator = SeededGenerator(seed: 1)
    let layer = try LayerFactory.make(
      LayerSpec(name: kernelCase.op, inputs: [], kind: kernelCase.kind), inputs: kernelCase.inputs, batch: batch,
      generator: &generator)
    let workspace = Workspace()
    if let convolution = layer as? Convolution { workspace.reserve(convolution.workspaceCount) }
    if let loss = layer as? SoftmaxCrossEntropy {
      loss.labels = (0..<batch).map { _ in Int32(truncatingIfNeeded: generator.next() % UInt64(loss.classes)) }
    }
    let context = ComputeContext(threads: threads, training: true, workspace: workspace)
    let inputs = kernelCase.inputs.map { Tensor(batch: batch, shape: $0) }
    for input in inputs { input.fillNormal(deviation: 1, using: &generator) }
    let output = Tensor(batch: batch, shape: layer.outputShape)
    let outputGradient = Tensor(batch: batch, shape: layer.outputShape)
    outputGradient.fillNormal(deviation: 1, using: &generator)
    let inputGradients: [Tensor?] = kernelCase.inputs.map { Tensor(batch: batch, shape: $0) }
    let accumulate = inputs.map { _ in false }
    // The first backward needs an output: every forward pass is timed before any backward.
    let forward = { layer.forward(inputs, into: output, context: context) }
    let backward = {
      layer.backward(
        inputs, output: output, outputGradient: outputGradient, inputGradients: inputGradients, accumulate: accumulate,
        context: context)
    }
    return (forward, backward)
  }

  /// Bytes im2col moves for the batch: each image read once, its column matrix written once.
  private func columnBytes(_ kernelCase: KernelCase) -> Double {
    guard case .convolution(_, let kernel, let stride, let padding, _, _) = kernelCase.kind else { return 0 }
    let input = kernelCase.inputs[0]
    let geometry = ConvolutionGeometry(
      channels: input.channels, height: input.height, width: input.width, kernel: kernel, stride: stride,
      padding: padding)
    return 4 * Double(batch) * Double(input.count + geometry.rows * geometry.outputPositions)
  }

  /// im2col (forward) and col2im (backward) of every image of a conv case, one image at a time.
  private func prepareColumns(_ kernelCase: KernelCase) -> Passes? {
    guard case .convolution(_, let kernel, let stride, let padding, _, _) = kernelCase.kind,
      kernel != Extent(1) || stride != Extent(1) || padding != Extent(0)
    else { return nil }  // pointwise convolutions need no columns
    let input = kernelCase.inputs[0]
    let geometry = ConvolutionGeometry(
      channels: input.channels, height: input.height, width: input.width, kernel: kernel, stride: stride,
      padding: padding)
    let workspace = Workspace()
    workspace.reserve(geometry.rows * geometry.outputPositions)
    let context = ComputeContext(threads: threads, workspace: workspace)
    let images = Tensor(batch: batch, shape: input)
    var generator = SeededGenerator(seed: 3)
    images.fillNormal(deviation: 1, using: &generator)
    let forward = {
      for n in 0..<batch {
        geometry.im2col(
          images.pointer + n * input.count, into: workspace.pointer, rowStride: geometry.outputPositions,
          context: context)
      }
    }
    let backward = {
      for n in 0..<batch {
        geometry.col2im(
          workspace.pointer, rowStride: geometry.outputPositions, addingInto: images.pointer + n * input.count,
          context: context)
      }
    }
    return (forward, backward)
  }

  /// The GEMM calls a conv or fc case makes, on buffers of the same sizes, without im2col, bias
  /// or anything else; nil for other kinds.
  private func prepareGEMM(_ kernelCase: KernelCase) -> Passes? {
    let images: Int
    let groups: Int
    let m: Int
    let n: Int
    let k: Int
    switch kernelCase.kind {
    case .convolution(let outputs, let kernel, let stride, let padding, let g, _):
      let input = kernelCase.inputs[0]
      let geometry = ConvolutionGeometry(
        channels: input.channels, height: input.height, width: input.width, kernel: kernel, stride: stride,
        padding: padding)
      (images, groups, m, n, k) = (
        batch, g, outputs / g, geometry.outputPositions, input.channels / g * kernel.h * kernel.w
      )
    case .fullyConnected(let outputs, _):
      (images, groups, m, n, k) = (1, 1, batch, outputs, kernelCase.inputs[0].count)
    default:
      return nil
    }
    // Every image has its own columns and output, as in the layer: one image's buffers reused
    // eight times would sit in cache and flatter the GEMM.
    let a = Tensor(batch: groups, shape: Shape(m * k, 1, 1))
    let aGradient = Tensor(batch: groups, shape: a.shape)
    let b = Tensor(batch: images * groups, shape: Shape(k * n, 1, 1))
    let bGradient = Tensor(batch: images * groups, shape: b.shape)
    let c = Tensor(batch: images * groups, shape: Shape(m * n, 1, 1))
    var generator = SeededGenerator(seed: 2)
    for tensor in [a, b, c] { tensor.fillNormal(deviation: 1, using: &generator) }
    let forward = {
      for image in 0..<images {
        for g in 0..<groups {
          let slot = image * groups + g
          BLAS.gemm(
            m: m, n: n, k: k, a: a.pointer + g * m * k, lda: k, b: b.pointer + slot * k * n, ldb: n, beta: 0,
            c: c.pointer + slot * m * n, ldc: n)
        }
      }
    }
    let backward = {
      for image in 0..<images {
        for g in 0..<groups {
          let slot = image * groups + g
          BLAS.gemm(
            transposeB: true, m: m, n: k, k: n, a: c.pointer + slot * m * n, lda: n, b: b.pointer + slot * k * n,
            ldb: n, beta: image == 0 ? 0 : 1, c: aGradient.pointer + g * m * k, ldc: k)
          BLAS.gemm(
            transposeA: true, m: k, n: n, k: m, a: a.pointer + g * m * k, lda: k, b: c.pointer + slot * m * n, ldb: n,
            beta: 0, c: bGradient.pointer + slot * k * n, ldc: n)
        }
      }
    }
    return (forward, backward)
  }
}
