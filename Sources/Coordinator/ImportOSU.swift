import Foundation
import Measurements

/// The text output of the OSU micro-benchmarks `osu_allreduce`, `osu_latency` and `osu_bw`
/// (5.x and 7.x layouts, with or without `-f`), as the records `dlscale allreduce` and
/// `dlscale p2p` write for the same figures.
///
/// The layout: a title (`# OSU MPI Allreduce Latency Test v7.2`), comment lines (`# Datatype:
/// MPI_CHAR.`), a column header (`# Size  Avg Latency(us)  Min Latency(us)  Max Latency(us)
/// Iterations`, columns apart by two spaces or more), then one row per size in bytes per rank.
/// - osu_allreduce → `allreduce` records of algorithm `mpi` (the library's MPI_Allreduce):
///   `time_us` mean = Avg Latency; min and max = `-f`'s Min and Max Latency (the extremes over
///   the ranks), else the average; OSU gives no median or 95th percentile, so those hold the
///   average and the max. algbw and busbw follow docs/ARCHITECTURE.md ("Metrics") from the
///   average.
/// - osu_latency → `p2p` records from rank 0 to rank 1 with `latency_us` (half a round trip).
/// - osu_bw → `p2p` records from rank 0 to rank 1 with `bandwidth_gbps` (OSU's MB/s are 1e6
///   bytes per second).
/// OSU does not say how many ranks ran or on how many hosts: `placement` says it.
enum OSUOutput {
  enum Benchmark: String {
    case allreduce = "osu_allreduce"
    case latency = "osu_latency"
    case bandwidth = "osu_bw"

    /// The benchmark a title names ("MPI Allreduce Latency Test", "MPI-CUDA Bandwidth Test").
    init?(title: String) {
      var words = title.split(separator: " ").map(String.init)
      guard let first = words.first, first == "MPI" || first.hasPrefix("MPI-") else { return nil }
      words.removeFirst()
      if let last = words.last, last.hasPrefix("v"), last.dropFirst().first?.isNumber == true { words.removeLast() }
      switch words.joined(separator: " ") {
      case "Allreduce Latency Test": self = .allreduce
      case "Latency Test": self = .latency
      case "Bandwidth Test": self = .bandwidth
      default: return nil
      }
    }
  }

  /// What the command line says that the file does not.
  struct Placement {
    var ranks: Int?
    var hosts: Int?
    var ranksPerNode: Int?
  }

  /// The columns dlscale reads; others (percentiles of newer versions) are skipped.
  enum Column: String {
    case size = "Size"
    case average = "Avg Latency(us)"
    case minimum = "Min Latency(us)"
    case maximum = "Max Latency(us)"
    case iterations = "Iterations"
    case latency = "Latency (us)"
    case bandwidth = "Bandwidth (MB/s)"
    case validation = "Validation"
  }

  static func records(from file: ImportedFile, placement: Placement) throws(ImportError) -> [Record] {
    var benchmark: Benchmark?
    var columns: [String]?
    var rows: [(line: Int, values: [String: String])] = []
    for (number, raw) in file.lines {
      let text = raw.trimmingCharacters(in: .whitespaces)
      if text.isEmpty { continue }
      if text.hasPrefix("#") {
        let comment = text.dropFirst().trimmingCharacters(in: .whitespaces)
        if comment.hasPrefix("OSU ") {
          guard benchmark == nil else {
            throw file.error(line: number, "a second OSU output starts here: import each output as its own file")
          }
          let title = String(comment.dropFirst(4))
          guard let named = Benchmark(title: title) else {
            throw file.error(line: number, "'\(comment)' is not osu_allreduce, osu_latency or osu_bw output")
          }
          benchmark = named
        } else if comment.hasPrefix("Size ") {
          columns = comment.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        }
        continue
      }
      guard benchmark != nil else { throw file.error(line: number, "a row before the OSU title line (# OSU MPI ...)") }
      guard let columns else { throw file.error(line: number, "a row before the column header (# Size ...)") }
      let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
      guard fields.count == columns.count else {
        throw file.error(
          line: number,
          "expected \(columns.count) columns (\(columns.joined(separator: ", "))), found \(fields.count): '\(text)'")
      }
      rows.append((number, Dictionary(zip(columns, fields), uniquingKeysWith: { first, _ in first })))
    }
    guard let benchmark else { throw file.error("no OSU title line (# OSU MPI ... Test): not OSU output") }
    guard let columns else { throw file.error("no column header (# Size ...)") }
    // An osu_latency whose header names its column like osu_allreduce's is read the same way.
    let latencyColumn: Column = columns.contains(Column.latency.rawValue) ? .latency : .average
    let needed: [Column] =
      switch benchmark {
      case .allreduce: [.size, .average]
      case .latency: [.size, latencyColumn]
      case .bandwidth: [.size, .bandwidth]
      }
    for column in needed where !columns.contains(column.rawValue) {
      throw file.error("\(benchmark.rawValue) output without its '\(column.rawValue)' column")
    }
    let ranks = try self.ranks(for: benchmark, placement: placement, file: file)
    let hosts = try self.hosts(ranks: ranks, placement: placement, file: file)
    return try rows.map { (line, values) throws(ImportError) in
      func number(_ column: Column) throws(ImportError) -> Double? {
        guard let text = values[column.rawValue] else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0 else {
          throw file.error(line: line, "\(column.rawValue) '\(text)' is not a non-negative number")
        }
        return value
      }
      guard let size = try number(.size), size == size.rounded(), size <= Double(Int32.max) * 1024 else {
        throw file.error(line: line, "Size '\(values[Column.size.rawValue] ?? "")' is not a whole number of bytes")
      }
      var record = Record(kind: benchmark == .allreduce ? .allreduce : .p2p, runId: "")
      record.ranks = ranks
      record.hosts = hosts
      record.bytes = Int(size)
      if let iterations = try number(.iterations) { record.iterations = Int(iterations) }
      if let validation = values[Column.validation.rawValue] {
        guard ["Pass", "Fail"].contains(validation) else {
          throw file.error(line: line, "Validation '\(validation)' is neither Pass nor Fail")
        }
        // OSU says only whether any element was wrong: a failure counts as one.
        record.wrong = validation == "Pass" ? 0 : 1
      }
      switch benchmark {
      case .allreduce:
        let average = try number(.average)!
        let minimum = try number(.minimum) ?? average
        let maximum = try number(.maximum) ?? average
        record.algorithm = "mpi"
        record.timeUs = Summary(min: minimum, mean: average, median: average, p95: maximum, max: maximum)
        record.algbwGbps = Collective.algorithmBandwidth(bytes: record.bytes!, seconds: average / 1e6)
        record.busbwGbps = Collective.allreduce.busBandwidth(bytes: record.bytes!, seconds: average / 1e6, ranks: ranks)
      case .latency:
        record.from = 0
        record.to = 1
        record.latencyUs = try number(latencyColumn)!
      case .bandwidth:
        record.from = 0
        record.to = 1
        record.bandwidthGbps = try number(.bandwidth)! / 1000
      }
      return record
    }
  }

  /// osu_allreduce needs `--np`; osu_latency and osu_bw run on exactly two ranks.
  private static func ranks(for benchmark: Benchmark, placement: Placement, file: ImportedFile) throws(ImportError)
    -> Int
  {
    switch benchmark {
    case .allreduce:
      guard let ranks = placement.ranks else {
        throw file.error("OSU output does not say how many ranks ran it: give --np")
      }
      return ranks
    case .latency, .bandwidth:
      if let ranks = placement.ranks, ranks != 2 {
        throw file.error("\(benchmark.rawValue) runs between two ranks, not --np \(ranks)")
      }
      return 2
    }
  }

  /// The host count: `--hosts`, or the ranks over `--ranks-per-node`; nil when neither is given.
  private static func hosts(ranks: Int, placement: Placement, file: ImportedFile) throws(ImportError) -> Int? {
    if let hosts = placement.hosts {
      guard hosts <= ranks else { throw file.error("--hosts \(hosts) is more hosts than its \(ranks) ranks") }
      if let perNode = placement.ranksPerNode, perNode * hosts != ranks {
        throw file.error("--hosts \(hosts) × --ranks-per-node \(perNode) is not its \(ranks) ranks")
      }
      return hosts
    }
    guard let perNode = placement.ranksPerNode else { return nil }
    guard ranks % perNode == 0 else {
      throw file.error("\(ranks) ranks do not divide into --ranks-per-node \(perNode)")
    }
    return ranks / perNode
  }
}
