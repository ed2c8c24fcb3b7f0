import Foundation

/// How a rank waits for a pending MPI operation.
///
/// OpenMPI's TCP transport makes progress only inside MPI calls, and its blocking waits poll
/// without pause (with `mpi_yield_when_idle`, calling `sched_yield` between polls): a thread
/// waiting in `MPI_Wait` stays runnable and takes its full share of a core. That is the right
/// trade for a benchmark of the collective alone, and the wrong one for a communication thread
/// that runs beside backward on the same cores, where every poll is taken from compute.
///
/// `.polling(interval:)` tests the request without pause for one interval (a transfer about to
/// finish costs no sleep), then sleeps `interval` between tests, as Horovod's background loop
/// sleeps its cycle time. The kernel's socket buffers keep the link busy
/// between tests (a 4 MB send buffer holds 160 ms of a 200 Mbit/s link), so a sleep far shorter
/// than that costs no bandwidth, while the sleeping thread leaves its core to compute and, being
/// mostly asleep, is scheduled at once when it wakes.
public enum WaitPolicy: Sendable, Equatable, CustomStringConvertible {
  /// `MPI_Wait`, and the blocking calls themselves (`MPI_Send`, `MPI_Sendrecv`, `MPI_Allreduce`).
  case library
  /// `MPI_Test` without pause for `interval` seconds, then every `interval`, sleeping in
  /// between; the blocking calls the
  /// allreduce algorithms use (send, receive, send-receive, in-place allreduce) become their
  /// nonblocking forms followed by this wait.
  case polling(interval: Double)

  /// The policy of a `--poll-interval` in microseconds: 0 is `.library`.
  public init(pollIntervalMicroseconds: Double) {
    self = pollIntervalMicroseconds > 0 ? .polling(interval: pollIntervalMicroseconds * 1e-6) : .library
  }

  public var description: String {
    switch self {
    case .library: "library"
    case .polling(let interval): "polling every \(Int((interval * 1e6).rounded())) µs"
    }
  }

  /// Sleeps for the polling interval (nothing for `.library`).
  func pause() {
    guard case .polling(let interval) = self, interval > 0 else { return }
    var request = timespec(tv_sec: Int(interval), tv_nsec: Int((interval - interval.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}
