import CMPI

/// A pending nonblocking operation. `wait()` completes it; a request that is never waited on is
/// a caller bug (its buffer may still be in use), caught in debug builds.
public final class Request {
  private var handle: MPI_Request?
  private let call: String
  private let policy: WaitPolicy

  init(handle: MPI_Request?, call: String, policy: WaitPolicy = .library) {
    self.handle = handle
    self.call = call
    self.policy = policy
  }

  /// Whether the operation has completed; does not block.
  public func test() throws -> Bool {
    guard handle != nil, handle != cmpi_request_null() else { return true }
    var flag: Int32 = 0
    try check(MPI_Test(&handle, &flag, cmpi_status_ignore()), "MPI_Test (\(call))")
    return flag != 0
  }

  /// Blocks until the operation has completed, as the communicator's `WaitPolicy` says.
  public func wait() throws {
    guard handle != nil, handle != cmpi_request_null() else { return }
    switch policy {
    case .library:
      try check(MPI_Wait(&handle, cmpi_status_ignore()), "MPI_Wait (\(call))")
    case .polling:
      // Test without pause for one interval (a transfer about to finish costs no sleep), then
      // sleep between tests, longer the longer the wait.
      let start = MPI.wtime()
      while try !test() { policy.pause(afterWaiting: MPI.wtime() - start) }
    }
  }

  /// Waits for every request in `requests`.
  public static func waitAll(_ requests: [Request]) throws {
    for request in requests { try request.wait() }
  }

  deinit {
    assert(handle == nil || handle == cmpi_request_null(), "\(call) request dropped before completion")
  }
}
