import ArgumentParser

/// `dlscale import throughput FILE.csv...`: single-device training throughput.
struct ImportThroughputCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "throughput",
    abstract: "Import single-device training throughput (CSV: model, batch, samples/s, device, engine).",
    discussion: """
      Each row becomes a one-rank train record with its samples/s, step time (batch over \
      samples/s), device and engine: what a system description can use for its compute.
      """)

  @OptionGroup var files: ImportOptions

  func run() throws {
    try files.importFiles(as: .throughput) { file throws(ImportError) in try ThroughputCSV.records(from: file) }
  }
}
