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
/// finish costs no sleep), then sleeps between tests, as Horovod's background loop sleeps its
/// cycle time. The sleep grows with the wait: `sleepShareOfWait` (1/16) of the time waited so
/// far, at least one interval and at most `maximumSleepIntervals` of them. A short transfer is
/// seen complete within an interval; a long one (2 MiB take 85 ms on a 200 Mbit/s link) is
/// tested about 130 times instead of 850, each test being a pass through MPI's progress engine
/// and the kernel's socket polls, taken from the cores compute runs on. The kernel's socket
/// buffers keep the link busy between tests (a 4 MB send buffer holds 160 ms of a 200 Mbit/s
/// link), so completion is noticed at most 1/16 of the wait (and ten intervals) late, while the
/// sleeping thread leaves its core to compute and, being mostly asleep, is scheduled at once
/// when it wakes.
public enum WaitPolicy: Sendable, Equatable, CustomStringConvertible {
  /// `MPI_Wait`, and the blocking calls themselves (`MPI_Send`, `MPI_Sendrecv`, `MPI_Allreduce`).
  case library
  /// `MPI_Test` without pause for `interval` seconds, then with sleeps that grow with the wait
  /// (see `sleep(afterWaiting:)`); the blocking calls the
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
    case .polling(let interval):
      "polling every \(Int((interval * 1e6).rounded())) µs, up to "
        + "\(Int((interval * Self.maximumSleepIntervals * 1e6).rounded())) µs as the wait grows"
    }
  }

  /// The longest sleep between tests, in polling intervals.
  public static let maximumSleepIntervals = 10.0
  /// The sleep between tests as a share of the time waited so far.
  public static let sleepShareOfWait = 1.0 / 16

  /// Seconds to sleep before the next test of an operation pending for `elapsed` seconds: nil
  /// while it should be tested without pause (always for `.library`, and during the first
  /// interval), else `sleepShareOfWait` of `elapsed`, clamped to 1...`maximumSleepIntervals`
  /// intervals.
  public func sleep(afterWaiting elapsed: Double) -> Double? {
    guard case .polling(let interval) = self, elapsed >= interval else { return nil }
    return min(max(elapsed * Self.sleepShareOfWait, interval), interval * Self.maximumSleepIntervals)
  }

  /// Sleeps as `sleep(afterWaiting:)` says (nothing when it says nil).
  func pause(afterWaiting elapsed: Double) {
    guard let seconds = sleep(afterWaiting: elapsed), seconds > 0 else { return }
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}
