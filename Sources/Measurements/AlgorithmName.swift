/// The allreduce algorithm names of the command-line contract (`AllreduceKind`'s raw values),
/// known to the coordinator (which does not link MPI) as well as the agents.
public enum AlgorithmName {
  /// Every name, in the order tables list them. `mpi` is the MPI library's own `MPI_Allreduce`.
  public static let all = AllreduceKind.allCases.map(\.rawValue)

  /// Parses a comma-separated list; `all` expands to every name. `fitted` names more that a
  /// models file priced (an imported library's, such as `nccl`), accepted where fits are used.
  public static func parseList(_ text: String, fitted: [String] = []) throws(UnknownAlgorithm) -> [String] {
    var names: [String] = []
    for item in text.split(separator: ",").map(String.init) {
      if item == "all" {
        names += all.filter { !names.contains($0) }
      } else if all.contains(item) || fitted.contains(item) {
        if !names.contains(item) { names.append(item) }
      } else {
        throw UnknownAlgorithm(name: item, fitted: fitted)
      }
    }
    guard !names.isEmpty else { throw UnknownAlgorithm(name: text, fitted: fitted) }
    return names
  }

  /// Checks one name (no list, no `all`): dlscale's, or one of `fitted`.
  public static func check(_ name: String, fitted: [String]) throws(UnknownAlgorithm) {
    guard all.contains(name) || fitted.contains(name) else {
      throw UnknownAlgorithm(name: name, fitted: fitted, takesAll: false)
    }
  }

  public struct UnknownAlgorithm: Error, CustomStringConvertible {
    public var name: String
    /// Names a models file fitted; those beyond `all` are said in the message.
    public var fitted: [String] = []
    /// Whether `all` is a choice where the name was given.
    public var takesAll = true
    public var description: String {
      let extra = fitted.filter { !AlgorithmName.all.contains($0) }
      let more = extra.isEmpty ? "" : "; fitted in the models file: \(extra.joined(separator: ", "))"
      return
        "unknown algorithm '\(name)' (known: \(AlgorithmName.all.joined(separator: ", "))\(takesAll ? ", or all" : "")\(more))"
    }
  }
}
