import ArgumentParser
import Measurements

/// `--poll-interval` for the benchmark commands (`allreduce`, `p2p`), passed on to the agent.
struct PollOptions: ParsableArguments {
  @Option(
    help: "Wait by testing every this many microseconds, sleeping in between (0: MPI's own blocking waits, which spin)."
  )
  var pollInterval: Double = 0

  func validate() throws {
    if let problem = PollInterval.problem(pollInterval) { throw ValidationError(problem) }
  }

  /// The agent's arguments: none for MPI's own wait, the agent's default.
  var agentArguments: [String] { pollInterval > 0 ? ["--poll-interval", "\(pollInterval)"] : [] }
}
