import ArgumentParser

/// `dlscale-agent`: one MPI rank of a dlscale run, started by `mpirun`. One subcommand per
/// benchmark; rank 0 prints the table and writes the records.
@main
struct Agent: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlscale-agent",
    abstract: "An MPI rank of a dlscale run (started by mpirun; see `dlscale --help`).",
    subcommands: [VerifyCommand.self, TimeAllreduceCommand.self]
  )
}
