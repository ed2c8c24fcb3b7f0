import ArgumentParser
import Measurements

/// Options every `dlscale import` takes: the files and where their records go.
struct ImportOptions: ParsableArguments {
  @Argument(help: "The files to import.")
  var files: [String]

  @Option(
    help: """
      Results file (JSONL, appended); default: the one `dlscale allreduce`, `p2p` or `train` \
      writes for the record's kind.
      """)
  var output: String?

  func validate() throws {
    if files.isEmpty { throw ValidationError("no files given") }
    if output?.isEmpty == true { throw ValidationError("--output must not be empty") }
  }

  /// Imports the files as `source`, parsed by `parse`, and prints what happened to each.
  func importFiles(
    as source: Record.Source, parse: @escaping (ImportedFile) throws(ImportError) -> [Record]
  ) throws {
    let lines = try ImportBatch(source: source, output: output, parse: parse).run(paths: files)
    for line in lines { print(line) }
  }
}
