import CMPI

/// A failed MPI call: the call's name, its return code and MPI's own message for that code.
///
/// Every MPI call in this module goes through `check(_:_:)`; with `MPI_ERRORS_RETURN` set on the
/// communicators, a failure surfaces here instead of aborting the job.
public struct MPIError: Error, CustomStringConvertible, Sendable {
  public var call: String
  public var code: Int32
  public var message: String

  public var description: String { "\(call) failed: \(message) (MPI error \(code))" }
}

/// Turns an MPI return code into a thrown `MPIError` naming the call.
@inline(__always)
func check(_ code: Int32, _ call: @autoclosure () -> String) throws {
  if code != cmpi_success() { throw MPIError(call: call(), code: code, message: errorString(code)) }
}

/// MPI's text for an error code (`MPI_Error_string`).
func errorString(_ code: Int32) -> String {
  var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
  var length: Int32 = 0
  guard MPI_Error_string(code, &buffer, &length) == cmpi_success() else { return "unknown MPI error" }
  return String(decoding: buffer[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
