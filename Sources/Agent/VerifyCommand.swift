import ArgumentParser
import Collectives
import Foundation
import Measurements

/// `dlscale-agent verify` (hidden): runs the allreduce algorithms on inputs whose sums are known
/// and checks every rank's output — exact sums on integer-valued inputs, rounding within the
/// bound on arbitrary inputs, and bitwise-identical outputs on all ranks. Rank 0 prints one line
/// per case; the command exits non-zero if any case fails.
struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check the allreduce algorithms' results on every rank (run under mpirun).",
    shouldDisplay: false
  )

  @Option(help: "Algorithms to check, comma-separated, or `all` (adds segmented-ring and emulated-node variants).")
  var algorithms = "all"

  @Option(help: "Element counts, comma-separated.")
  var counts = "0,1,3,7,1000,1048577"

  @Option(help: "Element types, comma-separated: float, double.")
  var types = "float,double"

  @Flag(
    help:
      "Also sum every count as a bucket of one AsyncAllreducer per algorithm and type, in submission order and by priority."
  )
  var async = false

  @Option(help: "Microseconds between tests of a pending transfer (WaitPolicy.polling); 0: MPI's blocking waits.")
  var pollInterval: Double = 0

  @Flag(help: .hidden)
  var injectFault = false

  var waitPolicy: WaitPolicy { WaitPolicy(pollIntervalMicroseconds: pollInterval) }

  enum ElementType: String, CaseIterable { case float, double }

  func validate() throws {
    _ = try subjects()
    _ = try elementCounts()
    _ = try elementTypes()
    if let problem = PollInterval.problem(pollInterval) { throw ValidationError(problem) }
  }

  /// The algorithm instances to check, each with the label its lines carry.
  func subjects() throws -> [(label: String, make: () -> any AllreduceAlgorithm)] {
    let names = algorithms == "all" ? AllreduceAlgorithms.names : algorithms.split(separator: ",").map(String.init)
    var result: [(label: String, make: () -> any AllreduceAlgorithm)] = []
    for name in names {
      guard AllreduceAlgorithms.named(name) != nil else {
        throw ValidationError(
          "unknown algorithm '\(name)'; known: \(AllreduceAlgorithms.names.joined(separator: ", "))")
      }
      result.append((name, { AllreduceAlgorithms.named(name)! }))
      if name == "ring" {
        result.append(("ring/256B-segments", { RingAllreduce(segmentBytes: 256, segmentsInFlight: 3) }))
      }
      if name == "hierarchical" {
        result.append(("hierarchical/2-per-node", { HierarchicalAllreduce(grouping: .consecutive(ranksPerNode: 2)) }))
      }
    }
    return result
  }

  func elementCounts() throws -> [Int] {
    try counts.split(separator: ",").map { text in
      guard let count = Int(text.trimmingCharacters(in: .whitespaces)), count >= 0, count <= Int(Int32.max) else {
        throw ValidationError("invalid count '\(text)': expected a whole number from 0 to \(Int32.max)")
      }
      return count
    }
  }

  func elementTypes() throws -> [ElementType] {
    try types.split(separator: ",").map { text in
      guard let type = ElementType(rawValue: String(text)) else {
        throw ValidationError("invalid type '\(text)': expected float or double")
      }
      return type
    }
  }

  func run() throws {
    try MPI.initialize(threadLevel: async ? .multiple : .funneled)
    let world = try Communicator.world()
    world.waitPolicy = waitPolicy
    var failures = 0
    do {
      // One instance per algorithm for the whole run, so that scratch storage is reused
      // across sizes and element types.
      let instances = try subjects().map { (label: $0.label, algorithm: $0.make()) }
      for type in try elementTypes() {
        switch type {
        case .float: failures += try check(Float.self, instances, on: world)
        case .double: failures += try check(Double.self, instances, on: world)
        }
      }
      if async {
        for subject in try subjects() {
          for type in try elementTypes() {
            for order in [AsyncAllreducer.Order.submission, .priority] {
              switch type {
              case .float: failures += try checkAsynchronously(Float.self, subject, order: order, on: world)
              case .double: failures += try checkAsynchronously(Double.self, subject, order: order, on: world)
              }
            }
          }
        }
      }
    } catch {
      FileHandle.standardError.write(Data("dlscale-agent verify: rank \(world.rank): \(error)\n".utf8))
      MPI.abort(code: 2)
    }
    if world.rank == 0 {
      report(failures == 0 ? "verify: all cases passed" : "verify: \(failures) case(s) FAILED")
    }
    try MPI.finalize()
    if failures > 0 { throw ExitCode.failure }
  }

  /// Runs every count through every instance, on exact and on rounding inputs. Returns the
  /// number of failed cases.
  private func check<T: MPIFloatingPoint>(
    _ type: T.Type, _ instances: [(label: String, algorithm: any AllreduceAlgorithm)], on world: Communicator
  ) throws -> Int {
    let typeName = T.self == Float.self ? "float" : "double"
    var failures = 0
    for count in try elementCounts() {
      let exactInput: [T] = VerificationInputs.exact(rank: world.rank, count: count)
      let rounding = RoundingCase<T>(rank: world.rank, ranks: world.size, count: count)
      for (label, algorithm) in instances {
        var problems: [String] = []
        var exact = exactInput
        try exact.withUnsafeMutableBufferPointer { try algorithm.allreduce($0, on: world) }
        corruptIfAsked(&exact, on: world)
        problems += try exactProblems(exact, on: world)
        var rounded = rounding.input
        try rounded.withUnsafeMutableBufferPointer { try algorithm.allreduce($0, on: world) }
        corruptIfAsked(&rounded, on: world)
        let outOfBound = try world.allreduce([Int64(rounding.errors(in: rounded))])[0]
        if outOfBound > 0 { problems.append("\(outOfBound) element(s) beyond the rounding bound") }
        problems += try identityProblems(exact, rounded, on: world)
        failures += line(label, typeName, "count=\(count)", problems, on: world)
      }
    }
    return failures
  }

  /// Submits every count as one bucket, all at once with priorities rising with their position,
  /// then waits for all and checks them: every rank must run them in submission order, or by
  /// priority last first.
  private func checkAsynchronously<T: MPIFloatingPoint>(
    _ type: T.Type, _ subject: (label: String, make: () -> any AllreduceAlgorithm), order: AsyncAllreducer.Order,
    on world: Communicator
  ) throws -> Int {
    let typeName = T.self == Float.self ? "float" : "double"
    let counts = try elementCounts()
    let buckets = counts.map { count -> UnsafeMutableBufferPointer<T> in
      let bucket = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
      _ = bucket.initialize(from: VerificationInputs.exact(rank: world.rank, count: count) as [T])
      return bucket
    }
    defer { for bucket in buckets { bucket.deallocate() } }
    let allreducer = try AsyncAllreducer(
      algorithm: subject.make(), communicator: world, waitPolicy: waitPolicy, order: order)
    let tickets = allreducer.submit(buckets, priorities: Array(buckets.indices))
    // The caller's own work while the buckets are summed (no MPI calls here).
    var checksum = 0.0
    for index in 0..<100_000 { checksum += Double(index % 7) }
    if let last = tickets.last { try allreducer.wait(last) }
    try allreducer.close()
    let started = allreducer.takeActivity().startOrder.map { tickets.firstIndex(of: $0) ?? -1 }
    var problems: [String] = []
    var outputs: [T] = []
    for bucket in buckets {
      problems += try exactProblems(Array(bucket), on: world)
      outputs += bucket
    }
    problems += try identityProblems(outputs, [], on: world)
    let expected = order == .priority ? Array(buckets.indices.reversed()) : Array(buckets.indices)
    let wrongOrder = try world.allreduce([Int64(started == expected ? 0 : 1)])[0]
    if wrongOrder > 0 {
      problems.append(
        "\(wrongOrder) rank(s) ran the buckets in another order than \(expected) (rank \(world.rank): \(started))")
    }
    let label = "buckets=\(counts.count) overlapped-work=\(Int(checksum))"
    let prefix = order == .priority ? "async-priority " : "async "
    return line(
      prefix + subject.label, typeName, label, problems, on: world, checked: "exact, bitwise identical, in order")
  }

  /// With `--inject-fault`, adds 1 to the first element on the last rank: shows that the
  /// checks catch a wrong sum and outputs that differ between ranks.
  private func corruptIfAsked<T: MPIFloatingPoint>(_ output: inout [T], on world: Communicator) {
    if injectFault && world.rank == world.size - 1 && !output.isEmpty { output[0] += 1 }
  }

  /// Mismatches of an exact-input output, summed over ranks (rank 0's first one named).
  private func exactProblems<T: MPIFloatingPoint>(_ output: [T], on world: Communicator) throws -> [String] {
    let local = VerificationInputs.exactMismatches(in: output, ranks: world.size)
    let total = try world.allreduce([Int64(local.count)])[0]
    guard total > 0 else { return [] }
    return ["\(total) wrong element(s) on all ranks" + (local.first.map { "; rank 0: \($0)" } ?? "")]
  }

  /// Ranks whose outputs differ in any bit from rank 0's (a collective call).
  private func identityProblems<T: MPIFloatingPoint>(_ exact: [T], _ rounded: [T], on world: Communicator) throws
    -> [String]
  {
    let prints = [VerificationInputs.fingerprint(exact), VerificationInputs.fingerprint(rounded)]
    let all = try world.gather(prints, root: 0, padding: 0)
    guard world.rank == 0 else { return [] }
    let differing = (0..<world.size).filter { Array(all[2 * $0..<2 * $0 + 2]) != prints }
    return differing.isEmpty ? [] : ["outputs not bitwise identical on rank(s) \(differing)"]
  }

  /// Prints the case's line on rank 0; returns 1 if it failed, else 0.
  private func line(
    _ label: String, _ type: String, _ what: String, _ problems: [String], on world: Communicator,
    checked: String = "exact, within rounding bound, bitwise identical"
  ) -> Int {
    let failed = problems.isEmpty ? 0 : 1
    guard world.rank == 0 else { return failed }
    let padded = label.padding(toLength: 38, withPad: " ", startingAt: 0)
    let status = problems.isEmpty ? "ok  " : "FAIL"
    let detail = problems.isEmpty ? checked : problems.joined(separator: "; ")
    report(
      "\(status) \(padded) \(type.padding(toLength: 6, withPad: " ", startingAt: 0)) ranks=\(world.size) \(what): \(detail)"
    )
    return failed
  }

  private func report(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }
}
