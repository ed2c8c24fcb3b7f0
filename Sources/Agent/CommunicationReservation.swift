import Foundation
import Measurements

/// The CPU reserved for a rank's communication thread: a cgroup of its own, as a real host keeps
/// a core for its communication thread (Horovod's background loop, NCCL's proxy) beside the
/// cores that compute. The emulated cluster makes one per host with `--comm-cpus` and names it in
/// `DLSCALE_COMM_CGROUP`; a thread that does not join it shares its rank's CPU.
struct CommunicationReservation: Sendable {
  /// The environment variable naming the cgroup folder (v1 `tasks`, or v2 `cgroup.threads`).
  static let environmentKey = "DLSCALE_COMM_CGROUP"

  /// The cgroup folder the communication thread joins; nil when it shares its rank's CPU.
  let folder: String?
  /// Whether the communication thread takes reserved CPU.
  var isReserved: Bool { folder != nil }

  /// The reservation for `asked` (`--comm-cpu`): `shared` joins none, `reserved` the host's (an
  /// error where the host has none), nil the host's if it has one.
  init(asked: CommunicationCPU?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    let offered = environment[Self.environmentKey].flatMap { $0.isEmpty ? nil : $0 }
    switch asked {
    case .shared: folder = nil
    case .reserved:
      guard let offered else {
        throw AgentError(
          "--comm-cpu reserved: this host reserves no CPU for communication (\(Self.environmentKey) is not set; "
            + "make the emulated cluster with --comm-cpus)")
      }
      folder = offered
    case nil: folder = offered
    }
  }

  /// Moves the calling thread (only it: its process stays) into the reserved cgroup, if any.
  /// Writing 0 to a cgroup's thread file moves the writer.
  func join() throws {
    guard let folder else { return }
    let threads = ["cgroup.threads", "tasks"].map { folder + "/" + $0 }
    guard let file = threads.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw AgentError("\(Self.environmentKey)=\(folder) is not a cgroup folder (no cgroup.threads or tasks in it)")
    }
    let descriptor = open(file, O_WRONLY)
    guard descriptor >= 0 else {
      throw AgentError("cannot open \(file) to join the communication thread's CPU reservation: \(errorText())")
    }
    defer { close(descriptor) }
    guard write(descriptor, "0", 1) == 1 else {
      throw AgentError("cannot move the communication thread into \(folder): \(errorText())")
    }
  }

  private func errorText() -> String { String(cString: strerror(errno)) }
}
