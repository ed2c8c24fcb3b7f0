import ArgumentParser
import Collectives
import Foundation

/// `dlscale-agent time-allreduce` (hidden): a quick by-hand comparison of allreduce algorithms
/// at one size — warm-up, a barrier, then each iteration timed alone with `MPI_Wtime`; rank 0
/// prints the slowest rank's mean and the bus bandwidth. The measured sweep with records is the
/// `allreduce` benchmark; this is only a sanity check.
struct TimeAllreduceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "time-allreduce",
    abstract: "Time allreduce algorithms at one size (a quick check; run under mpirun).",
    shouldDisplay: false
  )

  @Option(help: "Algorithms, comma-separated.")
  var algorithms = "mpi,ring"

  @Option(help: "Bytes per rank's buffer of Float.")
  var bytes = 16 << 20

  @Option(help: "Timed iterations.")
  var iterations = 10

  @Option(help: "Untimed warm-up iterations.")
  var warmup = 2

  @Option(help: "Extra ring variants: segment sizes in bytes, comma-separated.")
  var ringSegments = ""

  func validate() throws {
    for name in algorithms.split(separator: ",") where AllreduceAlgorithms.named(String(name)) == nil {
      throw ValidationError("unknown algorithm '\(name)'; known: \(AllreduceAlgorithms.names.joined(separator: ", "))")
    }
    guard bytes >= 4, iterations >= 1, warmup >= 0 else {
      throw ValidationError("--bytes must be at least 4, --iterations at least 1, --warmup at least 0")
    }
    guard ringSegments.split(separator: ",").allSatisfy({ Int($0).map { $0 > 0 } ?? false }) else {
      throw ValidationError("invalid --ring-segments '\(ringSegments)': expected positive byte counts")
    }
  }

  func run() throws {
    try MPI.initialize()
    let world = try Communicator.world()
    var subjects: [(String, any AllreduceAlgorithm)] = algorithms.split(separator: ",").map {
      (String($0), AllreduceAlgorithms.named(String($0))!)
    }
    for segment in ringSegments.split(separator: ",").compactMap({ Int($0) }) {
      subjects.append(("ring/\(segment)B", RingAllreduce(segmentBytes: segment)))
    }
    var buffer = [Float](repeating: 1, count: bytes / 4)
    let busFactor = 2 * Double(world.size - 1) / Double(world.size)
    for (label, algorithm) in subjects {
      var total = 0.0
      try buffer.withUnsafeMutableBufferPointer { values in
        for _ in 0..<warmup { try algorithm.allreduce(values, on: world) }
        try world.barrier()
        for _ in 0..<iterations {
          let start = MPI.wtime()
          try algorithm.allreduce(values, on: world)
          total += MPI.wtime() - start
        }
      }
      let slowest = try world.allreduce([total / Double(iterations)], op: .max)[0]
      if world.rank == 0 {
        let busBandwidth = Double(buffer.count * 4) / slowest * busFactor / 1e9
        let text =
          label.padding(toLength: 24, withPad: " ", startingAt: 0)
          + String(
            format: " %10d B  ranks=%d  mean %9.3f ms  busbw %7.3f GB/s\n", buffer.count * 4, world.size,
            slowest * 1e3, busBandwidth)
        FileHandle.standardOutput.write(Data(text.utf8))
      }
    }
    try MPI.finalize()
  }
}
