import Foundation
import Measurements

/// What `dlscale kernels` measures in one process, whether that is the coordinator's own or one
/// agent rank on a compute node: the kernel cases of `operations` (or of `model`'s layers), or
/// with `network` whole training steps; every record names the host and cores that measured it.
public struct KernelMeasurement: Sendable {
  public var operations: [String]
  /// Time the distinct layers of this model (zoo or benchmark network) instead of the built-in table.
  public var model: String?
  /// Time whole training steps of this network instead of kernels.
  public var network: String?
  public var threads: Int
  public var repeats: Int
  public var batch: Int
  /// With `network`: also print each layer's forward and backward time of the last step.
  public var layerTimes: Bool

  public init(
    operations: [String] = KernelCase.operations, model: String? = nil, network: String? = nil, threads: Int = 1,
    repeats: Int = 5, batch: Int = 8, layerTimes: Bool = false
  ) {
    self.operations = operations
    self.model = model
    self.network = network
    self.threads = threads
    self.repeats = repeats
    self.batch = batch
    self.layerTimes = layerTimes
  }

  /// The operations of a comma-separated `--layers` list, trimmed and lower-cased.
  public static func operations(in list: String) -> [String] {
    list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
  }

  /// What is wrong with these settings, as one line for the user; nil when they can run.
  public var problem: String? {
    let unknown = operations.filter { !KernelCase.operations.contains($0) }
    let known = (Zoo.names + BenchmarkNetworks.names).joined(separator: ", ")
    if !unknown.isEmpty {
      return
        "unknown operation(s) \(unknown.joined(separator: ", ")); choose from \(KernelCase.operations.joined(separator: ","))"
    }
    if operations.isEmpty { return "--layers names no operation" }
    if threads <= 0 { return "--threads must be positive, got \(threads)" }
    if repeats <= 0 { return "--repeat must be positive, got \(repeats)" }
    if batch <= 0 { return "--batch must be positive, got \(batch)" }
    if let network, BenchmarkNetworks.named(network) == nil, !Zoo.names.contains(network) {
      return "unknown network \(network); choose from \(known)"
    }
    if let model, !Zoo.names.contains(model), BenchmarkNetworks.named(model) == nil {
      return "unknown model '\(model)' (known: \(known))"
    }
    return nil
  }

  /// These settings as the options of `dlscale-agent kernels`, which reads them back.
  public var agentArguments: [String] {
    var arguments = [
      "--layers", operations.joined(separator: ","), "--threads", "\(threads)", "--repeat", "\(repeats)", "--batch",
      "\(batch)",
    ]
    if let model { arguments += ["--model", model] }
    if let network { arguments += ["--network", network] }
    if layerTimes { arguments.append("--layer-times") }
    return arguments
  }

  /// Measures, passing each line of the table to `print` as soon as it is known, and returns
  /// the records, each stamped with `measurer` (the one process that measured it).
  public func measure(
    runId: String = Record.newRunId(), by measurer: Measurer, print: (String) -> Void
  ) throws -> [Record] {
    if let network {
      let spec = try BenchmarkNetworks.named(network) ?? Zoo.spec(named: network)
      let benchmark = TrainingStepBenchmark(batch: batch, threads: threads, steps: repeats, runId: runId)
      return [measurer.stamp(try benchmark.run(spec, layerTimes: layerTimes, print: print))]
    }
    let benchmark = KernelBenchmark(batch: batch, threads: threads, repeats: repeats, runId: runId, model: model)
    print(KernelTable.title(threads: threads, batch: batch))
    print(KernelTable.header)
    let cases =
      try model.map { try KernelCase.cases(from: BenchmarkNetworks.named($0) ?? Zoo.spec(named: $0)) }
      ?? KernelCase.builtIn
    let records = try benchmark.run(cases, operations: Set(operations)) { print(KernelTable.row($0)) }
    return records.map(measurer.stamp)
  }

  /// The process that measures: its host and CPU affinity, and the MPI library when it is an
  /// agent rank. Its records say `ranks` 1 and name this one host: a kernel is timed by one
  /// process, whichever run it was part of.
  public struct Measurer: Sendable {
    public var host: String
    public var cores: String?
    public var mpiLibrary: String?

    public init(host: String, cores: String?, mpiLibrary: String? = nil) {
      self.host = host
      self.cores = cores
      self.mpiLibrary = mpiLibrary
    }

    /// This process, by `gethostname` and its current affinity.
    public static var thisProcess: Measurer {
      var buffer = [CChar](repeating: 0, count: 256)
      guard gethostname(&buffer, buffer.count) == 0 else {
        return Measurer(host: "unknown", cores: CPUAffinity.current()?.description)
      }
      let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      return Measurer(host: host, cores: CPUAffinity.current()?.description)
    }

    public func stamp(_ record: Record) -> Record {
      var record = record
      record.ranks = 1
      record.hosts = 1
      record.rankHosts = [host]
      record.rankCores = cores.map { [$0] }
      record.mpiLibrary = mpiLibrary
      return record
    }
  }
}
