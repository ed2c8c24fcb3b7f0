import Foundation
import Kernels
import Measurements
import Yams

/// A sweep plan (docs/ARCHITECTURE.md, "Sweep plans"): where to run, where the records go, and runs whose
/// list-valued keys expand into the Cartesian product of points. `algorithms` and `sizes` stay
/// inside one point. A run's `repeat: N` runs each of its points N times, round by round (each
/// repetition is a point of its own, `repeat=k` in its key, so `--resume` counts each once).
/// Unknown keys and wrong types are errors with the line and column.
struct SweepPlan {
  var name: String
  var hostfile: String?
  var cluster: String?
  var output: String
  var timeout: Double
  var points: [SweepPoint]

  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  /// The most points a plan may expand to: beyond it a plan is refused before anything runs
  /// (a product of long lists can reach millions of points, which no sweep finishes).
  static let maximumPoints = 100_000

  /// The keys a run of each benchmark accepts, in the order a point's key lists them.
  static let runKeys: [String: [String]] = [
    "allreduce": ["np", "sizes", "algorithms", "iterations", "warmup", "poll-interval"],
    "p2p": ["np", "sizes", "iterations", "poll-interval"],
    "train": ["np"] + TrainingOptions.Field.allCases.map(\.rawValue),
  ]

  static func load(path: String) throws -> SweepPlan {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw ParseError(description: "cannot read plan \(path)")
    }
    return try parse(text, path: path)
  }

  static func parse(_ text: String, path: String) throws -> SweepPlan {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else { throw ParseError(description: "\(path): the plan is empty") }
      root = node
    } catch let error as YamlError {
      throw ParseError(
        description: "\(path): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
    }
    let reader = NodeReader(path: path)
    let top = try reader.mapping(root, what: "the plan")
    try reader.refuseUnknownKeys(top, allowed: ["name", "hostfile", "cluster", "output", "timeout", "runs"])
    let name = try top["name"].map { try reader.string($0, key: "name") } ?? "sweep"
    let hostfile = try top["hostfile"].map { try reader.string($0, key: "hostfile") }
    let cluster = try top["cluster"].map { try reader.string($0, key: "cluster") }
    if hostfile != nil && cluster != nil {
      throw ParseError(description: "\(reader.at(root)): give hostfile or cluster, not both")
    }
    let output = try top["output"].map { try reader.string($0, key: "output") } ?? "results/\(name).jsonl"
    let timeout = try top["timeout"].map { try reader.positiveNumber($0, key: "timeout") } ?? 600
    guard let runsNode = top["runs"] else { throw ParseError(description: "\(reader.at(root)): the plan has no runs") }
    guard case .sequence(let runs) = runsNode, !runs.isEmpty else {
      throw ParseError(description: "\(reader.at(runsNode)): runs must be a non-empty list")
    }
    var points: [SweepPoint] = []
    for (index, run) in runs.enumerated() {
      points += try expand(run, number: index + 1, pointsBefore: points.count, reader: reader)
    }
    return SweepPlan(
      name: name, hostfile: hostfile, cluster: cluster, output: output, timeout: timeout, points: points)
  }

  /// The points of one run: the product of every list-valued key.
  private static func expand(_ run: Node, number: Int, pointsBefore: Int, reader: NodeReader) throws
    -> [SweepPoint]
  {
    let mapping = try reader.mapping(run, what: "a run")
    guard let benchmarkNode = mapping["benchmark"] else {
      throw ParseError(description: "\(reader.at(run)): a run needs 'benchmark' (allreduce, p2p or train)")
    }
    let benchmark = try reader.string(benchmarkNode, key: "benchmark")
    guard let keys = runKeys[benchmark] else {
      throw ParseError(
        description: "\(reader.at(benchmarkNode)): unknown benchmark '\(benchmark)' (allreduce, p2p or train)")
    }
    try reader.refuseUnknownKeys(mapping, allowed: ["benchmark"] + keys + ["repeat"])
    guard mapping["np"] != nil else { throw ParseError(description: "\(reader.at(run)): a run needs 'np'") }
    var repeats = 1
    if let node = mapping["repeat"] {
      let values = try reader.values(node, key: "repeat")
      guard values.count == 1, let count = Int(values[0]) else {
        throw ParseError(description: "\(reader.at(node)): 'repeat' must be one positive integer")
      }
      repeats = count
    }

    var axes: [(String, [String])] = []
    for key in keys {
      guard let node = mapping[key] else { continue }
      let values = try reader.values(node, key: key, training: benchmark == "train")
      if key == "algorithms" || key == "sizes" {
        axes.append((key, [values.joined(separator: ",")]))
      } else {
        axes.append((key, values))
      }
    }
    try checkBound(
      axes: axes.map { ($0.0, $0.1.count) } + (repeats > 1 ? [("repeat", repeats)] : []), run: number,
      pointsBefore: pointsBefore, at: reader.at(run))
    var combinations: [[(String, String)]] = [[]]
    for (key, values) in axes {
      combinations = combinations.flatMap { prefix in values.map { prefix + [(key, $0)] } }
    }
    // Repeated runs go round by round: every point once, then every point again, so that a
    // machine that drifts during the sweep shifts every point alike.
    let points = try combinations.map { try SweepPoint(benchmark: benchmark, settings: $0) }
    guard repeats > 1 else { return points }
    return (1...repeats).flatMap { round in
      points.map { point in
        var repeated = point
        repeated.settings.append(("repeat", "\(round)"))
        return repeated
      }
    }
  }
}

extension SweepPlan {
  /// Refuses a run whose lists multiply, with the points before it, beyond `maximumPoints`,
  /// naming the count and the lists (before a single point is made).
  static func checkBound(axes: [(key: String, count: Int)], run: Int, pointsBefore: Int, at location: String) throws {
    var count = 1
    var saturated = false
    for axis in axes {
      let (product, overflow) = count.multipliedReportingOverflow(by: axis.count)
      if overflow { saturated = true } else { count = product }
    }
    let (total, overflow) = count.addingReportingOverflow(pointsBefore)
    guard saturated || overflow || total > maximumPoints else { return }
    let lists = axes.filter { $0.count > 1 }.map { "\($0.key) (\($0.count))" }.joined(separator: " × ")
    let size = saturated || overflow ? "more than \(Int.max)" : "\(total)"
    let before = pointsBefore > 0 ? " after \(pointsBefore) points of the runs before it" : ""
    throw ParseError(
      description:
        "\(location): the plan expands to \(size) points, above the limit of \(maximumPoints): run \(run)'s lists "
        + "multiply to \(saturated ? "more than \(Int.max)" : "\(count)")\(before): \(lists)")
  }
}

/// One point of a sweep: a benchmark and its settings, one launch of the agents.
struct SweepPoint: Equatable {
  var benchmark: String
  var settings: [(String, String)]
  /// A train point's options: the defaults with the point's settings read over them.
  var training: TrainingOptions?

  /// The point of `benchmark` with `settings` (checked already, as the plan's reader does).
  init(benchmark: String, settings: [(String, String)]) throws {
    self.benchmark = benchmark
    self.settings = settings
    guard benchmark == "train" else { return }
    var options = TrainingOptions(model: "")
    for (key, text) in settings {
      guard let field = TrainingOptions.Field(rawValue: key) else { continue }
      do { try options.set(field, from: text) } catch { throw SweepPlan.ParseError(description: error.description) }
    }
    training = options
  }

  static func == (a: SweepPoint, b: SweepPoint) -> Bool { a.key == b.key }

  /// A stable identifier, e.g. `train np=4 model=resnet50 batch=8 scaling=weak`.
  var key: String { ([benchmark] + settings.map { "\($0.0)=\($0.1)" }).joined(separator: " ") }

  var ranks: Int { Int(settings.first { $0.0 == "np" }?.1 ?? "1") ?? 1 }

  /// Compute threads per rank (1 unless the point sets `threads`).
  var threads: Int { training?.threads ?? Int(settings.first { $0.0 == "threads" }?.1 ?? "1") ?? 1 }

  /// The agent's arguments: `--key value` for every setting but `np` and `repeat`; a train
  /// point's written by `TrainingOptions` (the options it leaves out take the agent's defaults,
  /// which are `TrainingOptions`' own).
  var agentArguments: [String] {
    if let training { return training.agentArguments(settings.compactMap { TrainingOptions.Field(rawValue: $0.0) }) }
    return settings.filter { $0.0 != "np" && $0.0 != "repeat" }.flatMap { ["--\($0.0)", $0.1] }
  }
}

/// Reads YAML nodes with errors that name the file, line and column.
struct NodeReader {
  var path: String

  func at(_ node: Node) -> String {
    guard let mark = node.mark else { return path }
    return "\(path):\(mark.line):\(mark.column)"
  }

  func mapping(_ node: Node, what: String) throws -> [String: Node] {
    guard case .mapping(let mapping) = node else {
      throw SweepPlan.ParseError(description: "\(at(node)): \(what) must be a mapping of keys to values")
    }
    var result: [String: Node] = [:]
    for (key, value) in mapping {
      guard let name = key.string else { throw SweepPlan.ParseError(description: "\(at(key)): keys must be strings") }
      if result[name] != nil { throw SweepPlan.ParseError(description: "\(at(key)): duplicate key '\(name)'") }
      result[name] = value
    }
    return result
  }

  func refuseUnknownKeys(_ mapping: [String: Node], allowed: [String]) throws {
    for (key, value) in mapping where !allowed.contains(key) {
      throw SweepPlan.ParseError(
        description: "\(at(value)): unknown key '\(key)' (expected one of: \(allowed.joined(separator: ", ")))")
    }
  }

  func string(_ node: Node, key: String) throws -> String {
    guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be a text value")
    }
    return scalar.string
  }

  func positiveNumber(_ node: Node, key: String) throws -> Double {
    guard case .scalar(let scalar) = node, let value = Double(scalar.string), value > 0 else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be a positive number")
    }
    return value
  }

  /// A scalar or a list of scalars, each checked for `key`'s type (a train run's options by
  /// `TrainingOptions`, as the command line checks them).
  func values(_ node: Node, key: String, training: Bool = false) throws -> [String] {
    let items: [Node]
    switch node {
    case .scalar: items = [node]
    case .sequence(let sequence) where !sequence.isEmpty: items = Array(sequence)
    default: throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be a value or a non-empty list")
    }
    if training, let field = TrainingOptions.Field(rawValue: key) {
      return try items.map { try checked($0, field: field) }
    }
    return try items.map { try checked($0, key: key) }
  }

  /// A train option's value, read by `TrainingOptions` (YAML's booleans for `overlap` mean on
  /// and off).
  private func checked(_ node: Node, field: TrainingOptions.Field) throws -> String {
    guard case .scalar(let scalar) = node else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(field.rawValue)' items must be single values")
    }
    var text = scalar.string
    if field == .overlap {
      switch text.lowercased() {
      case "on", "true", "yes": text = "on"
      case "off", "false", "no": text = "off"
      default: text = text.lowercased()
      }
    }
    do { _ = try TrainingOptions.reading(field, from: text) } catch {
      throw SweepPlan.ParseError(description: "\(at(node)): \(error.description)")
    }
    return text
  }

  private func checked(_ node: Node, key: String) throws -> String {
    guard case .scalar(let scalar) = node else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' items must be single values")
    }
    let text = scalar.string
    func fail(_ expected: String) -> SweepPlan.ParseError {
      SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be \(expected), got '\(text)'")
    }
    switch key {
    case "np", "iterations", "repeat":
      guard let value = Int(text), value > 0 else { throw fail("a positive integer") }
    case "warmup":
      guard let value = Int(text), value >= 0 else { throw fail("a non-negative integer") }
    case "sizes":
      do { _ = try ByteSize.parseList(text) } catch { throw fail("a size list such as 8:64MiB") }
    case "poll-interval":
      guard let value = Double(text), PollInterval.microseconds.contains(value) else {
        throw fail("microseconds from 0 (MPI's blocking wait) to 1000000")
      }
    case "algorithms":
      guard AlgorithmName.all.contains(text) else { throw fail("one of \(AlgorithmName.all.joined(separator: ", "))") }
    default:
      guard !text.isEmpty else { throw fail("a value") }
    }
    return text
  }
}
