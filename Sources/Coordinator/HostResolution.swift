import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Hostfile hosts checked before launching: a name that does not resolve would otherwise surface
/// as a page of OpenMPI's ssh errors, or as a hang. Emulated clusters' hosts are namespaces that
/// no resolver knows, so `--cluster` skips this check.
extension Hostfile {
  /// Throws one line naming the first host that getaddrinfo cannot resolve.
  func checkHostsResolve() throws {
    for host in hosts where !Self.resolves(host.name) {
      throw ParseError(description: "\(path): unknown host '\(host.name)' (its name does not resolve)")
    }
  }

  static func resolves(_ name: String) -> Bool {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var result: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &result)
    if let result { freeaddrinfo(result) }
    return status == 0
  }
}
