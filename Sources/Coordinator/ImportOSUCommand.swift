import ArgumentParser

/// `dlscale import osu FILE...`: osu_allreduce, osu_latency and osu_bw output.
struct ImportOSUCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "osu",
    abstract: "Import osu_allreduce, osu_latency and osu_bw output (OSU 5.x and 7.x, with or without -f).",
    discussion: """
      osu_allreduce becomes allreduce records of algorithm mpi; osu_latency and osu_bw become \
      p2p records from rank 0 to rank 1. OSU does not print how many ranks ran: give --np for \
      osu_allreduce (osu_latency and osu_bw run on two), and --hosts or --ranks-per-node for \
      how many hosts they ran on.
      """)

  @OptionGroup var files: ImportOptions

  @Option(help: "Ranks that ran osu_allreduce (mpirun -np).")
  var np: Int?

  @Option(help: "Hosts the ranks ran on.")
  var hosts: Int?

  @Option(help: "Ranks per host (the host count is the ranks over this).")
  var ranksPerNode: Int?

  func validate() throws {
    for (name, value) in [("--np", np), ("--hosts", hosts), ("--ranks-per-node", ranksPerNode)] {
      if let value, value <= 0 { throw ValidationError("\(name) must be positive, got \(value)") }
    }
  }

  func run() throws {
    let placement = OSUOutput.Placement(ranks: np, hosts: hosts, ranksPerNode: ranksPerNode)
    try files.importFiles(as: .osu) { file throws(ImportError) in
      try OSUOutput.records(from: file, placement: placement)
    }
  }
}
