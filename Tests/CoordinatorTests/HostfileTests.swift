import Testing

@testable import Coordinator

@Test func parsesHostsSlotsAndComments() throws {
  let text = """
    # a cluster
    node1 slots=4
    node2   slots=2 max_slots=8   # trailing comment

    node1 slots=1
    node3
    """
  let file = try Hostfile.parse(text, path: "h", defaultSlots: 2)
  #expect(
    file.hosts == [.init(name: "node1", slots: 5), .init(name: "node2", slots: 2), .init(name: "node3", slots: 2)])
  #expect(file.totalSlots == 9)
}

@Test(arguments: [
  ("", "names no hosts"), ("# only\n", "names no hosts"), ("node1 slots=0", "positive"),
  ("node1 slots=-2", "positive"), ("node1 cores=2", "unexpected 'cores=2'"), ("no<de", "not a host name"),
])
func rejectsMalformedHostfiles(text: String, expected: String) {
  #expect {
    try Hostfile.parse(text, path: "h")
  } throws: { error in
    "\(error)".contains(expected)
  }
}

@Test func launcherAddsOversubscriptionOnlyWhenNeeded() {
  let launcher = Launcher(
    mpirun: "/usr/bin/mpirun", agent: "/a/dlscale-agent", placement: ["--host", "localhost:2"], slots: 2)
  let two = launcher.arguments(ranks: 2, benchmark: "allreduce", arguments: ["--sizes", "8"])
  #expect(
    two == [
      "/usr/bin/mpirun", "-np", "2", "--host", "localhost:2", "--map-by", "slot:PE=1", "--bind-to", "core",
      "/a/dlscale-agent", "allreduce", "--sizes", "8",
    ])
  let four = launcher.arguments(ranks: 4, benchmark: "p2p", arguments: [])
  #expect(four.contains("--oversubscribe") && four.contains("mpi_yield_when_idle"))
  #expect(Array(four.drop { $0 != "--bind-to" }.prefix(2)) == ["--bind-to", "none"])
}

@Test func launcherPassesExtraMPIRunArgumentsBeforeTheAgent() throws {
  let options = try LaunchOptions.parse([
    "--np", "2", "--mpirun-arg", "--mca", "--mpirun-arg", "coll_tuned_allreduce_algorithm", "--mpirun-arg", "4",
  ])
  #expect(options.mpirunArguments == ["--mca", "coll_tuned_allreduce_algorithm", "4"])
  var launcher = Launcher(
    mpirun: "/usr/bin/mpirun", agent: "/a/dlscale-agent", placement: ["--host", "localhost:2"], slots: 2)
  launcher.extraArguments = options.mpirunArguments
  let arguments = launcher.arguments(ranks: 2, benchmark: "allreduce", arguments: [])
  #expect(
    arguments == [
      "/usr/bin/mpirun", "-np", "2", "--host", "localhost:2", "--map-by", "slot:PE=1", "--bind-to", "core", "--mca",
      "coll_tuned_allreduce_algorithm", "4", "/a/dlscale-agent", "allreduce",
    ])
  #expect(throws: (any Error).self) { try LaunchOptions.parse(["--mpirun-arg", ""]) }
}
