import ArgumentParser

/// `dlscale import`: brings measurements made by other tools into a results file, as the
/// records dlscale's own commands write, so that `fit` and `report` use them alike.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import OSU, nccl-tests or training-throughput results as dlscale records.",
    discussion: """
      Each record names its source (osu, nccl-tests, throughput), the file and the file's \
      SHA-256 digest; a file already imported into the results file is skipped. A line that \
      cannot be read stops the import with FILE:LINE: why, and nothing is written.
      """,
    subcommands: [ImportOSUCommand.self, ImportNCCLTestsCommand.self, ImportThroughputCommand.self]
  )
}
