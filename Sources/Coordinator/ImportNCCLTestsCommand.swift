import ArgumentParser

/// `dlscale import nccl-tests FILE...`: all_reduce_perf output.
struct ImportNCCLTestsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nccl-tests",
    abstract: "Import nccl-tests all_reduce_perf output.",
    discussion: """
      Ranks, hosts and the GPU model come from the device list of the output's header; each \
      size gives an out-of-place and an in-place allreduce record of algorithm nccl, with \
      nccl-tests' own time, algbw, busbw and #wrong.
      """)

  @OptionGroup var files: ImportOptions

  func run() throws {
    try files.importFiles(as: .ncclTests) { file throws(ImportError) in try NCCLTestsOutput.records(from: file) }
  }
}
