import Foundation
import Measurements

/// The text output of nccl-tests' `all_reduce_perf`, as `allreduce` records of algorithm
/// `nccl`: one record per size for the out-of-place columns and one (`in_place`) for the
/// in-place ones, each with nccl-tests' own time (µs), algbw and busbw (GB/s, the definitions
/// of docs/ARCHITECTURE.md, "Metrics") and `#wrong`.
///
/// The layout: `# nThread 1 nGpus 1 minBytes 8 ... warmup iters: 5 iters: 20 ...`, then under
/// `# Using devices` one line per rank, `#  Rank  0 Group  0 Pid 123 on node-a device  0
/// [0x07] NVIDIA A100-SXM4-80GB` (older versions have no `Group`), which give the ranks, each
/// rank's host and the GPU model; then the column header (`size count type redop root time
/// algbw busbw #wrong time algbw busbw #wrong`: older versions have no `root`, and a float
/// `error` in place of the `#wrong` count) and one row per size. `NCCL INFO` log lines between
/// them are skipped.
enum NCCLTestsOutput {
  /// One rank of the device list.
  struct Device: Equatable {
    var rank: Int
    var host: String
    var model: String
  }

  /// Reads one device-list line, or nil when the line is not one.
  static func device(_ comment: String) -> Device? {
    let words = comment.split(separator: " ").map(String.init)
    guard words.count >= 8, words[0] == "Rank", let rank = Int(words[1]), let on = words.firstIndex(of: "on"),
      on + 4 < words.count, words[on + 2] == "device", words[on + 4].hasPrefix("[")
    else { return nil }
    var rest = words[(on + 4)...].drop { !$0.hasSuffix("]") }.dropFirst()
    while rest.first?.isEmpty == true { rest = rest.dropFirst() }
    return Device(rank: rank, host: words[on + 1], model: rest.joined(separator: " "))
  }

  static func records(from file: ImportedFile) throws(ImportError) -> [Record] {
    var devices: [Device] = []
    var settings: [String: Int] = [:]
    var header: [String]?
    var rows: [(line: Int, fields: [String])] = []
    for (number, raw) in file.lines {
      let text = raw.trimmingCharacters(in: .whitespaces)
      if text.isEmpty || text.contains(" NCCL INFO ") || text.contains(" NCCL WARN ") { continue }
      if text.hasPrefix("#") {
        let comment = text.dropFirst().trimmingCharacters(in: .whitespaces)
        if comment.hasPrefix("Collective test starting:") {
          let test = comment.dropFirst("Collective test starting:".count).trimmingCharacters(in: .whitespaces)
          guard test == "all_reduce_perf" else {
            throw file.error(line: number, "\(test) output: only all_reduce_perf can be imported")
          }
        } else if comment.hasPrefix("nThread ") {
          guard settings.isEmpty else {
            throw file.error(line: number, "a second nccl-tests output starts here: import each as its own file")
          }
          settings = self.settings(comment)
        } else if let device = device(comment) {
          guard !devices.contains(where: { $0.rank == device.rank }) else {
            throw file.error(
              line: number,
              "rank \(device.rank) listed twice: each process ran alone (all_reduce_perf built without MPI=1?)")
          }
          devices.append(device)
        } else if comment.hasPrefix("size ") {
          header = comment.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        continue
      }
      guard header != nil else { throw file.error(line: number, "a row before the column header (#  size  count ...)") }
      rows.append((number, text.split(whereSeparator: \.isWhitespace).map(String.init)))
    }
    guard let header else { throw file.error("no column header (#  size  count  type ...): not nccl-tests output") }
    guard !devices.isEmpty else { throw file.error("no device list (#  Rank  0 ... on HOST device ...)") }
    let columns = try Columns(header: header, file: file)
    devices.sort { $0.rank < $1.rank }
    guard devices.map(\.rank) == Array(0..<devices.count) else {
      throw file.error("the device list does not name ranks 0 to \(devices.count - 1)")
    }
    let ranks = devices.count
    let perProcess = (settings["nThread"] ?? 1) * (settings["nGpus"] ?? 1)
    guard perProcess > 0, ranks % perProcess == 0 else {
      throw file.error("\(ranks) devices listed, not a multiple of nThread × nGpus = \(perProcess)")
    }
    let hostNames = devices.map(\.host)
    let models = Array(Set(devices.map(\.model))).sorted()
    var records: [Record] = []
    for (line, fields) in rows {
      guard fields.count == header.count else {
        throw file.error(
          line: line, "expected \(header.count) columns (\(header.joined(separator: " "))), found \(fields.count)")
      }
      guard let bytes = Int(fields[columns.size]), bytes >= 0 else {
        throw file.error(line: line, "size '\(fields[columns.size])' is not a whole number of bytes")
      }
      for (placement, inPlace) in [(columns.outOfPlace, false), (columns.inPlace, true)] {
        var record = Record(kind: .allreduce, runId: "")
        record.algorithm = "nccl"
        record.ranks = ranks
        record.hosts = Set(hostNames).count
        record.rankHosts = hostNames
        record.device = models.joined(separator: ", ")
        record.bytes = bytes
        record.inPlace = inPlace
        record.iterations = settings["iters"]
        record.warmup = settings["warmup iters"]
        let time = try number(fields, placement.time, "time", line: line, file: file)
        record.timeUs = Summary(min: time, mean: time, median: time, p95: time, max: time)
        record.algbwGbps = try number(fields, placement.algbw, "algbw", line: line, file: file)
        record.busbwGbps = try number(fields, placement.busbw, "busbw", line: line, file: file)
        if let wrong = placement.wrong {
          let text = fields[wrong]
          if text != "N/A" {
            guard let count = Double(text), count >= 0, count == count.rounded() else {
              throw file.error(line: line, "#wrong '\(text)' is not a count of elements")
            }
            record.wrong = Int(count)
          }
        }
        try checkBusFactor(record, line: line, file: file)
        records.append(record)
      }
    }
    return records
  }

  /// The header line's settings: "warmup iters: 5 iters: 20" → ["warmup iters": 5, "iters": 20].
  static func settings(_ comment: String) -> [String: Int] {
    var result: [String: Int] = [:]
    var name: [String] = []
    for word in comment.split(separator: " ").map(String.init) {
      if let value = Int(word.prefix { $0.isNumber }), !word.isEmpty, word.first!.isNumber, !name.isEmpty {
        result[name.joined(separator: " ").replacingOccurrences(of: ":", with: "")] = value
        name = []
      } else {
        name.append(word)
      }
    }
    return result
  }

  /// Where each figure is in a row.
  struct Columns {
    struct Placement {
      var time: Int
      var algbw: Int
      var busbw: Int
      /// `#wrong`, or nil for older versions' `error` (a magnitude, not a count).
      var wrong: Int?
    }
    var size: Int
    var outOfPlace: Placement
    var inPlace: Placement

    init(header: [String], file: ImportedFile) throws(ImportError) {
      func indices(_ name: String) -> [Int] { header.indices.filter { header[$0] == name } }
      let (times, algbws, busbws) = (indices("time"), indices("algbw"), indices("busbw"))
      let wrongs = indices("#wrong")
      let errors = indices("error")
      guard let size = indices("size").first, times.count == 2, algbws.count == 2, busbws.count == 2,
        wrongs.count == 2 || errors.count == 2
      else {
        throw file.error(
          "column header '\(header.joined(separator: " "))' is not all_reduce_perf's "
            + "(size, then time, algbw, busbw and #wrong out of place and in place)")
      }
      self.size = size
      outOfPlace = Placement(time: times[0], algbw: algbws[0], busbw: busbws[0], wrong: wrongs.first)
      inPlace = Placement(time: times[1], algbw: algbws[1], busbw: busbws[1], wrong: wrongs.last)
    }
  }

  private static func number(
    _ fields: [String], _ index: Int, _ name: String, line: Int, file: ImportedFile
  ) throws(ImportError) -> Double {
    guard let value = Double(fields[index]), value.isFinite, value >= 0 else {
      throw file.error(line: line, "\(name) '\(fields[index])' is not a non-negative number")
    }
    return value
  }

  /// busbw / algbw is 2(p−1)/p for an allreduce: another collective's output (all_gather_perf
  /// has the same columns) fails here. Checked where algbw ≥ 1 GB/s, so that its two printed
  /// decimals make the ratio good to 1%.
  private static func checkBusFactor(_ record: Record, line: Int, file: ImportedFile) throws(ImportError) {
    guard let algbw = record.algbwGbps, let busbw = record.busbwGbps, algbw >= 1, let ranks = record.ranks else {
      return
    }
    let expected = Collective.allreduce.busFactor(ranks: ranks)
    guard abs(busbw / algbw - expected) <= 0.03 * max(expected, 0.1) else {
      throw file.error(
        line: line,
        "busbw / algbw is \(String(format: "%.3f", busbw / algbw)), not an allreduce's 2(p−1)/p = "
          + "\(String(format: "%.3f", expected)) at \(ranks) ranks: not all_reduce_perf output, or not its device list")
    }
  }
}
