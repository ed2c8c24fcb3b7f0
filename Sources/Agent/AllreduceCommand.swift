import ArgumentParser
import Collectives
import Foundation
import Measurements

/// `dlscale-agent allreduce`: times each named allreduce algorithm over a size sweep.
struct AllreduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "allreduce", abstract: "Time allreduce algorithms over a size sweep (float32 sum).")

  @Option(help: "Bytes per rank: 8:64MiB (doubling range), 4K,1M (list).")
  var sizes = "8:64MiB"

  @Option(help: "Comma-separated algorithm names.")
  var algorithms = "mpi"

  @OptionGroup var iterationOptions: IterationOptions
  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    do { _ = try ByteSize.parseList(sizes) } catch { throw ValidationError(error.description) }
    let names: [String]
    do { names = try AlgorithmName.parseList(algorithms) } catch { throw ValidationError(error.description) }
    for name in names where AllreduceAlgorithms.named(name) == nil {
      throw ValidationError("algorithm '\(name)' is not available in this build")
    }
  }

  var algorithmNames: [String] { (try? AlgorithmName.parseList(algorithms)) ?? [] }

  func run() throws {
    let sizeList = try ByteSize.parseList(sizes)
    let sink = try RecordSink(options: outputOptions)
    try withMPI { world in
      let context = try RunContext.gather(
        on: world, runId: outputOptions.runId, command: outputOptions.command)
      world.waitPolicy = iterationOptions.waitPolicy
      let harness = CollectiveBenchmark(communicator: world, context: context, plan: iterationOptions.plan)
      let table = Table(columns: [
        ("algorithm", 20), ("size", 10), ("count", 11), ("iters", 6), ("min(us)", 11), ("mean(us)", 11),
        ("max(us)", 11), ("algbw(GB/s)", 12), ("busbw(GB/s)", 12), ("wrong", 6),
      ])
      if world.rank == 0 {
        print("# dlscale allreduce: \(context.ranks) ranks on \(context.hosts) host(s), \(context.mpiLibrary)")
        print(context.bindingLine)
        print(table.header)
      }
      for name in algorithmNames {
        let algorithm = AllreduceAlgorithms.named(name)!
        for bytes in sizeList {
          guard let point = try harness.measure(algorithm, bytes: bytes) else { continue }
          let record = point.record
          let time = record.timeUs!
          print(
            table.row([
              name, ByteSize.format(record.bytes!), "\(record.bytes! / 4)", "\(record.iterations!)",
              fixed(time.min, 2), fixed(time.mean, 2), fixed(time.max, 2), fixed(record.algbwGbps!, 4),
              fixed(record.busbwGbps!, 4), "\(record.wrong!)",
            ]))
          if record.wrong! > 0 {
            printError("dlscale-agent: \(name) at \(ByteSize.format(record.bytes!)): \(record.wrong!) wrong elements")
          }
          try sink.write(record)
        }
      }
    }
  }
}
