import ArgumentParser
import Collectives
import Foundation
import Measurements

/// `dlscale-agent p2p`: latency and bandwidth between every ordered pair of ranks.
struct P2PCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "p2p", abstract: "Ping-pong latency and streaming bandwidth between every pair of ranks.")

  @Option(help: "Message sizes: the smallest gives the latency matrix, the largest the bandwidth one.")
  var sizes = "8,1MiB"

  @OptionGroup var iterationOptions: IterationOptions
  @OptionGroup var outputOptions: OutputOptions

  func validate() throws {
    do { _ = try ByteSize.parseList(sizes) } catch { throw ValidationError(error.description) }
  }

  func run() throws {
    let sizeList = try ByteSize.parseList(sizes)
    let sink = try RecordSink(options: outputOptions)
    try withMPI { world in
      let context = try RunContext.gather(on: world, runId: outputOptions.runId, command: outputOptions.command)
      guard world.size >= 2 else {
        throw AgentError("p2p needs at least 2 ranks, got \(world.size)")
      }
      world.waitPolicy = iterationOptions.waitPolicy
      let benchmark = PointToPointBenchmark(communicator: world, context: context, plan: iterationOptions.plan)
      let table = Table(columns: [
        ("from", 6), ("to", 6), ("from host", 16), ("to host", 16), ("size", 10), ("latency(us)", 12),
        ("bw(GB/s)", 10),
      ])
      if world.rank == 0 {
        print("# dlscale p2p: \(context.ranks) ranks on \(context.hosts) host(s), \(context.mpiLibrary)")
        print(context.bindingLine)
        print(table.header)
      }
      var records: [Record] = []
      for bytes in sizeList {
        for sender in 0..<world.size {
          for receiver in 0..<world.size where receiver != sender {
            guard let record = try benchmark.measure(from: sender, to: receiver, bytes: bytes) else { continue }
            print(
              table.row([
                "\(sender)", "\(receiver)", record.fromHost!, record.toHost!, ByteSize.format(bytes),
                fixed(record.latencyUs!, 2), fixed(record.bandwidthGbps!, 4),
              ]))
            try sink.write(record)
            records.append(record)
          }
        }
      }
      if world.rank == 0 { printMatrices(records, ranks: world.size) }
    }
  }

  /// The latency matrix at the smallest size and the bandwidth matrix at the largest.
  private func printMatrices(_ records: [Record], ranks: Int) {
    guard let smallest = records.map({ $0.bytes! }).min(), let largest = records.map({ $0.bytes! }).max() else {
      return
    }
    func matrix(_ title: String, bytes: Int, value: (Record) -> Double, digits: Int) {
      print("# \(title) at \(ByteSize.format(bytes)) (row: from, column: to)")
      print("from\\to" + (0..<ranks).map { pad("\($0)", 10) }.joined())
      for sender in 0..<ranks {
        var line = pad("\(sender)", 7)
        for receiver in 0..<ranks {
          let record = records.first { $0.from == sender && $0.to == receiver && $0.bytes == bytes }
          line += pad(record.map { fixed(value($0), digits) } ?? "-", 10)
        }
        print(line)
      }
    }
    matrix("latency (us)", bytes: smallest, value: { $0.latencyUs! }, digits: 2)
    if largest > 0 { matrix("bandwidth (GB/s)", bytes: largest, value: { $0.bandwidthGbps! }, digits: 4) }
  }
}
