/// An emulated cluster made by `dlscale cluster up` (replaced when the cluster command lands).
struct EmulatedCluster {
  var hostfile: String
  var mpirunArguments: [String]

  static func load(name: String) throws -> EmulatedCluster {
    throw CommandError("no emulated cluster named '\(name)'")
  }
}
