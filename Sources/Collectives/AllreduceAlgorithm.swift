import Measurements

/// The plug-in every allreduce algorithm supplies to the shared harness: its kind (which names
/// it and holds its cost model, `AllreduceKind.cost`) and an in-place sum over a communicator.
/// Warm-up, timing, validation and output live once in `CollectiveBenchmark`; an algorithm
/// supplies only what differs (nccl-tests' pattern).
public protocol AllreduceAlgorithm {
  /// Which algorithm this is: its name and its cost terms.
  var kind: AllreduceKind { get }

  /// Sums `buffer` elementwise across every rank of `communicator`, in place.
  func allreduce<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator) throws

  /// The same sum as a call to repeat, with whatever does not change between calls worked out
  /// once: what the harness times, so that it times the algorithm and not the lookups around it.
  func prepared<T: MPIFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, on communicator: Communicator)
    -> () throws -> Void
}

extension AllreduceAlgorithm {
  /// The name used on the command line and in records (`mpi`, `ring`, ...).
  public var name: String { kind.rawValue }

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

/// The algorithms selectable by name.
public enum AllreduceAlgorithms {
  /// Every known name, in the order tables list them.
  public static var names: [String] { AllreduceKind.allCases.map(\.rawValue) }

  /// A new instance of the algorithm `kind`, with its default settings.
  public static func make(_ kind: AllreduceKind) -> any AllreduceAlgorithm {
    switch kind {
    case .mpi: LibraryAllreduce()
    case .ring: RingAllreduce()
    case .recursiveDoubling: RecursiveDoublingAllreduce()
    case .rabenseifner: RabenseifnerAllreduce()
    case .binomial: BinomialAllreduce()
    case .hierarchical: HierarchicalAllreduce()
    }
  }

  /// The algorithm called `name`, or nil.
  public static func named(_ name: String) -> (any AllreduceAlgorithm)? {
    AllreduceKind(name: name).map(make)
  }
}

/// The MPI library's own `MPI_Allreduce` (algorithm `mpi`): whatever the library selects.
public struct LibraryAllreduce: AllreduceAlgorithm {
  public init() {}
  public var kind: AllreduceKind { .mpi }
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
