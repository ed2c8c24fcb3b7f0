import Foundation
import Kernels
import Measurements

/// What every `dlscale import` shares: read each file, parse it, stamp its records with the
/// source, the file's name and digest, skip a file already in the results (same digest), and
/// write only when every file parsed: a bad line leaves every results file as it was.
struct ImportBatch {
  var source: Record.Source
  /// The results file for every record, or nil for the file `dlscale allreduce`, `p2p` or
  /// `train` writes by default for the record's kind.
  var output: String?
  /// Turns one file into records (kind and figures; the batch adds the rest).
  var parse: (ImportedFile) throws(ImportError) -> [Record]

  /// Where a record of `kind` goes: `--output`, or the default `--output` of the command that
  /// measures that kind (read from the command itself, so the two cannot drift apart).
  func results(for kind: Record.Kind) throws -> String {
    if let output { return output }
    switch kind {
    case .p2p: return try P2PCommand.parse([]).output
    case .train: return try TrainCommand.parse(["--model", Zoo.names[0]]).output
    default: return try AllreduceCommand.parse([]).output
    }
  }

  /// `file`'s records, stamped with the source and the file's name and digest.
  func stamped(_ file: ImportedFile) throws(ImportError) -> [Record] {
    var records = try parse(file)
    for index in records.indices {
      records[index].source = source
      records[index].sourceFile = file.name
      records[index].sourceDigest = file.digest
    }
    return records
  }

  /// Imports `paths`; returns one line per file saying what happened to it.
  @discardableResult
  func run(paths: [String]) throws -> [String] {
    let runId = "import-" + Record.newRunId()
    let timestamp = Record.now()
    var parsed: [(file: ImportedFile, records: [Record])] = []
    for path in paths {
      let file = try ImportedFile.read(path)
      var records = try stamped(file)
      guard !records.isEmpty else { throw file.error("no measurements found") }
      for index in records.indices {
        records[index].runId = runId
        records[index].timestamp = timestamp
      }
      parsed.append((file, records))
    }
    var locks: [String: ResultsFile.Lock] = [:]
    var known: [String: Set<String>] = [:]
    var targets: [Record.Kind: String] = [:]
    for kind in Set(parsed.flatMap { $0.records.map(\.kind) }) { targets[kind] = try results(for: kind) }
    for path in Set(targets.values).sorted() {
      let file = ResultsFile(path: path)
      try file.prepare()
      locks[path] = try file.lock()
      known[path] = Set(try file.read().records.compactMap(\.sourceDigest))
    }
    var pending: [String: [Record]] = [:]
    var lines: [String] = []
    for (file, records) in parsed {
      let paths = Set(records.map { targets[$0.kind]! }).sorted()
      if let already = paths.first(where: { known[$0]!.contains(file.digest) }) {
        lines.append("dlscale: \(file.path) already imported into \(already) (\(file.digest)), skipped")
        continue
      }
      for target in paths {
        let own = records.filter { targets[$0.kind] == target }
        pending[target, default: []] += own
        known[target]!.insert(file.digest)
        lines.append("dlscale: \(own.count) \(source.rawValue) records from \(file.path) appended to \(target)")
      }
    }
    for (path, records) in pending.sorted(by: { $0.key < $1.key }) { try ResultsFile(path: path).append(records) }
    locks.removeAll()
    return lines
  }
}
