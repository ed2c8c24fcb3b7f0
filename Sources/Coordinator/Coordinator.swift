import ArgumentParser

/// `dlscale`: plans and launches measurements through mpirun, fits models, predicts, reports.
@main
struct Coordinator: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dlscale",
    abstract: "Measure and predict how data-parallel training scales on a cluster.",
    subcommands: [KernelsCommand.self]
  )
}
