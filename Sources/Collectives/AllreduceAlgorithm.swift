/// The plug-in every allreduce algorithm supplies to the shared harness: a name, its cost model
/// as data, and an in-place sum over a communicator. Warm-up, timing, validation and output live
/// once in `CollectiveBenchmark`; an algorithm supplies only what differs (nccl-tests' pattern).
public protocol AllreduceAlgorithm {
  /// The name used on the command line and in records (`mpi`, `ring`, ...).
  var name: String { get }

  /// The number of α (per-message latency), β (seconds per byte sent) and γ (seconds per byte
  /// reduced) terms the algorithm costs for `ranks` ranks reducing `bytes` bytes
  /// (docs/ARCHITECTURE.md, "Models"). `nil` where the algorithm's schedule is not known (the
  /// library's own).
  func cost(ranks: Int, bytes: Int) -> CostTerms?

  /// Sums `buffer` elementwise across every rank of `communicator`, in place.
  func allreduce<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator) throws

  /// The same sum as a call to repeat, with whatever does not change between calls worked out
  /// once: what the harness times, so that it times the algorithm and not the lookups around it.
  func prepared<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    -> () throws -> Void
}

extension AllreduceAlgorithm {
  /// By default, the algorithm's `allreduce` itself.
  public func prepared<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    -> () throws -> Void
  {
    { try self.allreduce(buffer, on: communicator) }
  }

  /// Sums `source` elementwise across every rank into `result`: copies, then reduces in place.
  public func allreduce<T: MPIFloatingPoint>(
    _ source: UnsafeBufferPointer<T>, into result: UnsafeMutableBufferPointer<T>, on communicator: Communicator
  ) throws {
    precondition(source.count == result.count, "allreduce: \(source.count) elements into \(result.count)")
    if source.count > 0 { result.baseAddress!.update(from: source.baseAddress!, count: source.count) }
    try allreduce(result, on: communicator)
  }

  /// Returns the elementwise sum of `values` across every rank of `communicator`.
  public func allreduce<T: MPIFloatingPoint>(_ values: [T], on communicator: Communicator) throws -> [T] {
    var result = values
    try result.withUnsafeMutableBufferPointer { try allreduce($0, on: communicator) }
    return result
  }
}

/// Coefficients of a Hockney-style cost model: T = alpha·α + beta·β + gamma·γ.
public struct CostTerms: Equatable, Sendable, CustomStringConvertible {
  public var alpha: Double
  public var beta: Double
  public var gamma: Double

  public init(alpha: Double, beta: Double, gamma: Double) {
    self.alpha = alpha
    self.beta = beta
    self.gamma = gamma
  }

  /// The predicted time for given α (s), β (s/byte) and γ (s/byte).
  public func time(alpha a: Double, beta b: Double, gamma g: Double) -> Double {
    alpha * a + beta * b + gamma * g
  }

  public var description: String { "\(alpha)α + \(beta)β + \(gamma)γ" }
}

/// The algorithms selectable by name.
public enum AllreduceAlgorithms {
  /// Every known name, in the order tables list them.
  public static var names: [String] { factories.map(\.0) }

  private static var factories: [(String, () -> any AllreduceAlgorithm)] {
    [
      ("mpi", { LibraryAllreduce() }),
      ("ring", { RingAllreduce() }),
      ("recursive-doubling", { RecursiveDoublingAllreduce() }),
      ("rabenseifner", { RabenseifnerAllreduce() }),
      ("binomial", { BinomialAllreduce() }),
      ("hierarchical", { HierarchicalAllreduce() }),
    ]
  }

  /// The algorithm called `name`, or nil.
  public static func named(_ name: String) -> (any AllreduceAlgorithm)? {
    factories.first { $0.0 == name }?.1()
  }
}

/// The MPI library's own `MPI_Allreduce` (algorithm `mpi`): whatever the library selects.
public struct LibraryAllreduce: AllreduceAlgorithm {
  public init() {}
  public var name: String { "mpi" }
  public func cost(ranks: Int, bytes: Int) -> CostTerms? { nil }
  public func allreduce<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    throws
  {
    try communicator.allreduce(inPlace: buffer, op: .sum)
  }

  /// `MPI_Allreduce` with its handles looked up once, as a C program passes them.
  public func prepared<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    -> () throws -> Void
  {
    guard communicator.waitPolicy == .library else { return { try self.allreduce(buffer, on: communicator) } }
    let call = communicator.inPlaceSum(buffer)
    return { try check(call(), "MPI_Allreduce") }
  }
}
