import ArgumentParser
import Collectives
import CommandLineOptions
import Foundation
import Kernels
import Measurements

/// `dlscale-agent train`: data-parallel training steps of a reference model, timed so that
/// compute and communication can be told apart.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Data-parallel training steps of a reference model on synthetic data.")

  @OptionGroup var training: TrainingArguments

  @Option(help: "Untimed steps first.")
  var warmupSteps: Int = 1

  @Option(help: "Rank 0 writes the final weights here (raw little-endian float32) and FILE.json naming the tensors.")
  var saveWeights: String?

  @Option(help: "Seed of the weights and the synthetic data.")
  var seed: UInt64 = 1

  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    let options = try training.options
    guard options.engine == .dlscale else {
      throw ValidationError(
        "dlscale-agent trains with dlscale's own engine; --engine \(options.engine.rawValue) runs from dlscale train")
    }
    guard warmupSteps >= 0 else { throw ValidationError("--warmup-steps must not be negative") }
  }

  func run() throws {
    let options = try training.options
    let (model, batch, steps, threads) = (options.model, options.batch, options.steps, options.threads)
    let (overlapMode, aloneSteps) = (options.overlap, options.aloneSteps)
    // Before MPI starts: OpenBLAS reads its kernel choice and thread timeout only when it loads.
    BLAS.restartWithSuggestedEnvironmentIfNeeded(threads: threads)
    let sink = try RecordSink(options: outputOptions)
    let reservation = try CommunicationReservation(asked: options.commCPU)
    // Under `--overlap forward` the buckets are still being reduced on the communication thread
    // when this thread averages the step's times over the ranks: MPI calls from both threads at
    // once (on different communicators) need MPI_THREAD_MULTIPLE.
    try withMPI(threadLevel: overlapMode == .forward ? .multiple : .serialized) { world in
      let context = try RunContext.gather(on: world, runId: outputOptions.runId, command: outputOptions.command)
      let algorithmImplementation = AllreduceAlgorithms.make(options.algorithm)
      let split = BatchSplit(batch: batch, scaling: options.scaling, ranks: world.size)
      guard split.perRank.allSatisfy({ $0 > 0 }) else {
        throw AgentError("a global batch of \(batch) cannot be split over \(world.size) ranks")
      }
      let localBatch = split.perRank[world.rank]
      let network = try Network(spec: try Zoo.spec(named: model), batchSize: localBatch, threads: threads, seed: seed)
      let session = TrainingSession(network: network)
      let trainer = try DataParallelTrainer(
        session: session, communicator: world, algorithm: algorithmImplementation, bucketBytes: options.bucketBytes,
        overlap: overlapMode, share: Double(localBatch) / Double(split.global),
        waitPolicy: WaitPolicy(pollIntervalMicroseconds: options.pollInterval),
        communicationThreadStart: reservation.join)
      if world.rank == 0 {
        print(
          "# dlscale train: \(model), \(context.ranks) ranks on \(context.hosts) host(s), batch \(split.describe), "
            + "\(options.algorithm), \(trainer.plan.buckets.count) buckets of \(ByteSize.format(options.bucketBytes)), "
            + "overlap \(options.overlap.rawValue)"
            + (reservation.isReserved ? ", communication thread on CPU reserved for it" : ""))
        print(context.bindingLine)
        print("#  step    loss   step(ms)   fwd(ms)   bwd(ms)  exposed(ms)  allreduce(ms)  update(ms)")
      }

      // Compute alone and communication alone, timed in pairs between the training steps (one
      // pair after each timed step, the rest after the last), so that a change in the machine's
      // speed during the run shifts them and the steps alike. Under `--overlap forward` a step's
      // last allreduces run in the next step's forward, so a pair first lets them finish, and the
      // step after a pair (whose forward would have nothing to wait for) is untimed: every timed
      // step waits for exactly one step's remainder, as in a run without pairs.
      var computeAloneSeconds = 0.0
      var communicationAloneSeconds = 0.0
      var alonePairs = 0
      var refills = 0
      func measureAlone() throws {
        try trainer.drain()
        session.loadSyntheticSamples(
          step: warmupSteps + steps + alonePairs, firstSample: split.firstSample(of: world.rank))
        computeAloneSeconds += trainer.computeOnlyStep()
        communicationAloneSeconds += try trainer.communicationOnlyStep()
        alonePairs += 1
      }

      var timed: [DataParallelTrainer.StepTimes] = []
      // This rank's own forward + backward of each timed step: a rank that computes slower than
      // the others makes every step wait for it (the report's straggler finding).
      var ownCompute: [Double] = []
      var untimedLeft = warmupSteps
      var step = 0
      while timed.count < steps {
        session.loadSyntheticSamples(step: step, firstSample: split.firstSample(of: world.rank), seed: seed)
        let times = try trainer.step()
        // Every rank's times, averaged: the step of a synchronous data-parallel run.
        let mean = DataParallelTrainer.StepTimes(
          vector: try world.allreduce(times.vector, op: .sum).map { $0 / Double(world.size) })
        let untimed = untimedLeft > 0
        if untimed {
          untimedLeft -= 1
        } else {
          timed.append(mean)
          ownCompute.append(times.forward + times.backward)
        }
        if world.rank == 0 {
          print(
            String(
              format: "%6d %7.4f %10.2f %9.2f %9.2f %12.2f %14.2f %11.2f%@", step, Double(mean.loss), mean.total * 1e3,
              mean.forward * 1e3, mean.backward * 1e3, mean.exposedCommunication * 1e3, mean.allreduce * 1e3,
              mean.update * 1e3, !untimed ? "" : step < warmupSteps ? "  (warm-up)" : "  (refill, untimed)"))
        }
        step += 1
        if !untimed && alonePairs < aloneSteps {
          try measureAlone()
          if overlapMode == .forward && timed.count < steps {
            untimedLeft = 1
            refills += 1
          }
        }
      }
      try trainer.drain()

      let rankCompute = try world.gather([average(ownCompute) * 1e3], root: 0, padding: 0)
      let digest = WeightsDigest.of(network.gradientOrder.map(\.parameter.value))
      let digests = try world.gather(digest, root: 0)
      if let saveWeights, world.rank == 0 {
        try WeightsFile.write(network.savedParameters, model: model, to: saveWeights)
      }

      var computeAlone: Double?
      var communicationAlone: Double?
      if aloneSteps > 0 {
        while alonePairs < aloneSteps { try measureAlone() }
        let mean = try world.allreduce([computeAloneSeconds, communicationAloneSeconds], op: .sum).map {
          $0 / Double(world.size * aloneSteps)
        }
        computeAlone = mean[0]
        communicationAlone = mean[1]
      }
      try trainer.close()

      guard world.rank == 0 else { return }

      let stepSeconds = timed.map(\.total)
      var record = context.record(.train)
      record.model = model
      record.batchPerRank = split.perRank.max()
      record.globalBatch = split.global
      record.rankBatches = split.perRank
      record.scaling = options.scaling.rawValue
      record.algorithm = options.algorithm.rawValue
      record.bucketBytes = options.bucketBytes
      record.bucketCount = trainer.plan.buckets.count
      record.overlap = overlapMode
      record.pollIntervalUs = options.pollInterval
      record.steps = steps
      record.warmupSteps = warmupSteps + refills
      record.threads = threads
      record.stepMs = Summary(of: stepSeconds).scaled(by: 1e3)
      record.forwardMs = average(timed.map(\.forward)) * 1e3
      record.backwardMs = average(timed.map(\.backward)) * 1e3
      record.allreduceMs = average(timed.map(\.allreduce)) * 1e3
      record.commCpuMs = average(timed.map(\.communicationCPU)) * 1e3
      if reservation.isReserved { record.commCpuReserved = true }
      record.exposedCommMs = average(timed.map(\.exposedCommunication)) * 1e3
      record.updateMs = average(timed.map(\.update)) * 1e3
      record.samplesPerS = Double(split.global) / average(stepSeconds)
      record.gradientBytes = network.trainableCount * MemoryLayout<Float>.stride
      record.loss = Double(timed.last?.loss ?? 0)
      if let loss = record.loss, !loss.isFinite {
        print("# warning: the loss is \(loss) at the last step: the synthetic training diverged (timings stand)")
      }
      record.weightsDigest = digest
      record.ranksAgree = Set(digests).count == 1
      record.rankComputeMs = rankCompute
      record.computeAloneMs = computeAlone.map { $0 * 1e3 }
      record.commAloneMs = communicationAlone.map { $0 * 1e3 }
      print(
        String(
          format:
            "# %.1f samples/s, step %.2f ms (compute %.2f, exposed communication %.2f; communication thread CPU %.2f), "
            + "weights %@",
          record.samplesPerS!, record.stepMs!.mean, record.forwardMs! + record.backwardMs!, record.exposedCommMs!,
          record.commCpuMs!,
          record.ranksAgree! ? "identical on every rank" : "DIFFER across ranks"))
      if let computeAlone, let communicationAlone {
        print(
          String(
            format: "# alone: compute %.2f ms, communication %.2f ms; step / max(alone) = %.3f", computeAlone * 1e3,
            communicationAlone * 1e3, record.stepMs!.mean / 1e3 / max(computeAlone, communicationAlone)))
      }
      try sink.write(record)
      if !record.ranksAgree! { throw AgentError("weights differ across ranks after training") }
    }
  }

  private func average(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
}

/// How the global batch is shared: weak scaling gives every rank `batch`; strong scaling splits
/// `batch` as evenly as it divides, the first ranks taking one more sample.
struct BatchSplit {
  let perRank: [Int]
  var global: Int { perRank.reduce(0, +) }

  init(batch: Int, scaling: ScalingMode, ranks: Int) {
    if scaling == .strong {
      perRank = (0..<ranks).map { batch / ranks + ($0 < batch % ranks ? 1 : 0) }
    } else {
      perRank = Array(repeating: batch, count: ranks)
    }
  }

  func firstSample(of rank: Int) -> Int { perRank[..<rank].reduce(0, +) }

  var describe: String {
    Set(perRank).count == 1 ? "\(perRank[0]) per rank (global \(global))" : "\(perRank) (global \(global))"
  }
}
