/// Where a training run's communication thread takes its CPU time (`dlscale train --comm-cpu`):
/// from the CPU its rank computes on, or from CPU the host reserves for communication (the
/// emulated cluster's `--comm-cpus`), as a real host may keep a core for its communication
/// thread beside those that compute.
public enum CommunicationCPU: String, CaseIterable, Sendable {
  /// The rank's own CPU: what the communication thread uses is taken from compute when every
  /// core computes.
  case shared
  /// The host's reservation for communication; a run asking for it fails where there is none.
  case reserved

  /// The values `--comm-cpu` takes, for error messages.
  public static let choices = "shared or reserved"
}
