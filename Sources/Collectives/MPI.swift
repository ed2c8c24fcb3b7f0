import CMPI
import Foundation

/// Process-wide MPI state: initialisation with a thread level, finalisation, the clock and the
/// library's identity.
public enum MPI {
  /// The thread support levels of `MPI_Init_thread`, in increasing order.
  public enum ThreadLevel: Int32, Comparable, Sendable, CustomStringConvertible {
    case single, funneled, serialized, multiple

    var raw: Int32 {
      switch self {
      case .single: cmpi_thread_single()
      case .funneled: cmpi_thread_funneled()
      case .serialized: cmpi_thread_serialized()
      case .multiple: cmpi_thread_multiple()
      }
    }

    init(raw: Int32) {
      switch raw {
      case cmpi_thread_multiple(): self = .multiple
      case cmpi_thread_serialized(): self = .serialized
      case cmpi_thread_funneled(): self = .funneled
      default: self = .single
      }
    }

    public static func < (a: ThreadLevel, b: ThreadLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(self)".uppercased() }
  }

  /// Initialises MPI requesting `level` and returns the level the library provides. Sets
  /// `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD` so that failures become thrown errors.
  @discardableResult
  public static func initialize(threadLevel level: ThreadLevel = .funneled) throws -> ThreadLevel {
    var provided: Int32 = 0
    try check(MPI_Init_thread(nil, nil, level.raw, &provided), "MPI_Init_thread")
    try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
    return ThreadLevel(raw: provided)
  }

  public static func finalize() throws {
    try check(MPI_Finalize(), "MPI_Finalize")
  }

  public static var isInitialized: Bool {
    var flag: Int32 = 0
    MPI_Initialized(&flag)
    return flag != 0
  }

  public static var isFinalized: Bool {
    var flag: Int32 = 0
    MPI_Finalized(&flag)
    return flag != 0
  }

  /// Wall-clock seconds (`MPI_Wtime`), the clock every timing in dlscale uses.
  @inline(__always)
  public static func wtime() -> Double { MPI_Wtime() }

  /// `MPI_Get_library_version`, first line only (OpenMPI's names the version and its date).
  public static func libraryVersion() -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_library_version_string()) + 1)
    var length: Int32 = 0
    guard MPI_Get_library_version(&buffer, &length) == cmpi_success() else { return "unknown" }
    // OpenMPI counts the terminating NUL in `length`; stop at the first one.
    let bytes = buffer[..<Int(length)].prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let text = String(decoding: bytes, as: UTF8.self)
    let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    return line.trimmingCharacters(in: .whitespaces)
  }

  /// Aborts every rank of the job with `code`: for an agent that cannot go on.
  public static func abort(code: Int32) -> Never {
    MPI_Abort(cmpi_comm_world(), code)
    fatalError("MPI_Abort returned")
  }
}
