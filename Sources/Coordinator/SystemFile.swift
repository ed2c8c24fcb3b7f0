import ArgumentParser
import Fitting
import Foundation
import Measurements
import Yams

/// System descriptions as YAML files (docs/ARCHITECTURE.md, "Systems"), and `--system NAME|FILE`:
/// a catalogue name, else a file. Units are written as people write them (`100Gbit/s`, `1us`,
/// `16GiB`, `10.6TFLOP/s`); a device or link may name a catalogue entry instead of a mapping.
/// Every error names the file, line and column.
enum SystemFile {
  /// The layout, for `dlscale systems --help` and the README.
  static let layout = """
    name: my-cluster
    summary: 16 nodes of 8 P100 over NVLink, InfiniBand EDR   # optional
    nodes: 16                  # optional: the largest node count to answer for
    devices_per_node: 8        # ranks per node
    device: P100               # a catalogue device, or:
    #   {name: my-gpu, peak: 10.6TFLOP/s, memory: 16GiB, memory_bandwidth: 732GB/s}
    #   a CPU device whose cores all compute adds cores: 32 (communication's CPU comes out of them)
    intra_node: nvlink1        # a catalogue link, or {name: ..., rate: 80GB/s, latency: 2us}
    inter_node: {name: ib-edr, rate: 100Gbit/s, latency: 1us}
    throughput:                # optional: one device's training throughput measured elsewhere
      - {model: resnet50, batch: 64, samples_per_s: 219, engine: tensorflow, source: my benchmark}
      - {records: train.jsonl}   # dlscale import throughput's records (or its CSV) for this
                                 # device (path relative to this file; device: NAME for another)
    """

  /// A catalogue system by name, else the YAML file at `text`.
  static func resolve(_ text: String) throws -> SystemDescription {
    if let system = SystemCatalogue.system(named: text) { return system }
    guard FileManager.default.fileExists(atPath: text) else {
      let names = SystemCatalogue.systems.map(\.name).joined(separator: ", ")
      throw SweepPlan.ParseError(description: "no system '\(text)': neither a catalogue name (\(names)) nor a file")
    }
    return try load(path: text)
  }

  /// `--system`'s value (a catalogue name or a file), its error the one line a user sees.
  static func option(_ text: String) throws -> SystemDescription {
    do { return try resolve(text) } catch let error as SweepPlan.ParseError { throw ValidationError(error.description) }
  }

  static func load(path: String) throws -> SystemDescription {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw SweepPlan.ParseError(description: "cannot read system file \(path)")
    }
    return try parse(text, path: path)
  }

  static func parse(_ text: String, path: String) throws -> SystemDescription {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw SweepPlan.ParseError(description: "\(path): the system file is empty")
      }
      root = node
    } catch let error as YamlError {
      throw SweepPlan.ParseError(
        description: "\(path): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
    }
    let reader = NodeReader(path: path)
    let top = try reader.mapping(root, what: "a system")
    try reader.refuseUnknownKeys(
      top,
      allowed: [
        "name", "summary", "nodes", "devices_per_node", "device", "intra_node", "inter_node", "throughput", "measured",
      ])
    func required(_ key: String) throws -> Node {
      guard let node = top[key] else {
        throw SweepPlan.ParseError(description: "\(reader.at(root)): '\(key)' is missing")
      }
      return node
    }
    let devicesPerNode = try reader.positiveInteger(try required("devices_per_node"), key: "devices_per_node")
    let intraNode = try top["intra_node"].map { try link($0, key: "intra_node", reader: reader) }
    if devicesPerNode > 1, intraNode == nil {
      throw SweepPlan.ParseError(
        description:
          "\(reader.at(root)): 'intra_node' is missing: \(devicesPerNode) devices per node need a link between them")
    }
    let device = try device(try required("device"), reader: reader)
    return SystemDescription(
      name: try reader.string(try required("name"), key: "name"),
      summary: try top["summary"].map { try reader.string($0, key: "summary") },
      nodes: try top["nodes"].map { try reader.positiveInteger($0, key: "nodes") },
      devicesPerNode: devicesPerNode,
      device: device,
      intraNode: intraNode,
      interNode: try link(try required("inter_node"), key: "inter_node", reader: reader),
      throughput: try top["throughput"].map { try throughput($0, device: device, reader: reader) } ?? [],
      measured: try top["measured"].map { try reader.boolean($0, key: "measured") } ?? false)
  }

  private static func device(_ node: Node, reader: NodeReader) throws -> SystemDescription.Device {
    if case .scalar(let scalar) = node {
      guard let device = SystemCatalogue.device(named: scalar.string) else {
        let names = SystemCatalogue.devices.map(\.name).joined(separator: ", ")
        throw SweepPlan.ParseError(
          description: "\(reader.at(node)): unknown device '\(scalar.string)' (catalogue: \(names))")
      }
      return device
    }
    let mapping = try reader.mapping(node, what: "'device'")
    try reader.refuseUnknownKeys(mapping, allowed: ["name", "peak", "memory", "memory_bandwidth", "cores", "source"])
    guard let name = mapping["name"] else {
      throw SweepPlan.ParseError(description: "\(reader.at(node)): the device needs a 'name'")
    }
    return SystemDescription.Device(
      name: try reader.string(name, key: "name"),
      peakFlops: try mapping["peak"].map { node in
        try reader.unit(node, key: "peak") { text throws(FlopRate.ParseError) in try FlopRate.parse(text) }
      },
      memoryBandwidthBytesPerS: try mapping["memory_bandwidth"].map { node in
        try reader.unit(node, key: "memory_bandwidth") { text throws(DataRate.ParseError) in
          try DataRate(parsing: text).bytesPerSecond
        }
      },
      memoryBytes: try mapping["memory"].map { node in
        try reader.unit(node, key: "memory") { text throws(ByteSize.ParseError) in try ByteSize.parse(text) }
      },
      cores: try mapping["cores"].map { try reader.positiveNumber($0, key: "cores") },
      source: try mapping["source"].map { try reader.string($0, key: "source") } ?? "given in \(reader.path)")
  }

  private static func link(_ node: Node, key: String, reader: NodeReader) throws -> SystemDescription.Link {
    if case .scalar(let scalar) = node {
      guard let link = SystemCatalogue.link(named: scalar.string) else {
        let names = SystemCatalogue.links.map(\.name).joined(separator: ", ")
        throw SweepPlan.ParseError(
          description: "\(reader.at(node)): unknown link '\(scalar.string)' (catalogue: \(names))")
      }
      return link
    }
    let mapping = try reader.mapping(node, what: "'\(key)'")
    try reader.refuseUnknownKeys(mapping, allowed: ["name", "rate", "latency", "source"])
    for required in ["name", "rate", "latency"] where mapping[required] == nil {
      throw SweepPlan.ParseError(description: "\(reader.at(node)): '\(key)' needs '\(required)'")
    }
    return SystemDescription.Link(
      name: try reader.string(mapping["name"]!, key: "name"),
      bytesPerS: try reader.unit(mapping["rate"]!, key: "rate") { text throws(DataRate.ParseError) in
        try DataRate(parsing: text).bytesPerSecond
      },
      latencyS: try reader.unit(mapping["latency"]!, key: "latency") { text throws(TimeSpan.ParseError) in
        try TimeSpan.seconds(parsing: text)
      },
      source: try mapping["source"].map { try reader.string($0, key: "source") } ?? "given in \(reader.path)")
  }

  private static func throughput(_ node: Node, device: SystemDescription.Device, reader: NodeReader) throws
    -> [SystemDescription.Throughput]
  {
    guard case .sequence(let items) = node else {
      throw SweepPlan.ParseError(description: "\(reader.at(node)): 'throughput' must be a list")
    }
    return try items.flatMap { item -> [SystemDescription.Throughput] in
      let mapping = try reader.mapping(item, what: "a throughput entry")
      if let records = mapping["records"] {
        try reader.refuseUnknownKeys(mapping, allowed: ["records", "device"])
        let path = try reader.string(records, key: "records")
        let wanted = try mapping["device"].map { try reader.string($0, key: "device") } ?? device.name
        return try importedThroughput(
          path: relative(path, to: reader.path), device: wanted, at: reader.at(item))
      }
      try reader.refuseUnknownKeys(mapping, allowed: ["model", "batch", "samples_per_s", "engine", "source"])
      for required in ["model", "batch", "samples_per_s"] where mapping[required] == nil {
        throw SweepPlan.ParseError(description: "\(reader.at(item)): a throughput entry needs '\(required)'")
      }
      return [
        SystemDescription.Throughput(
          model: try reader.string(mapping["model"]!, key: "model"),
          batch: try reader.positiveInteger(mapping["batch"]!, key: "batch"),
          samplesPerS: try reader.positiveNumber(mapping["samples_per_s"]!, key: "samples_per_s"),
          engine: try mapping["engine"].map { try reader.string($0, key: "engine") },
          source: try mapping["source"].map { try reader.string($0, key: "source") })
      ]
    }
  }

  /// The one-device throughput records in the results file at `path` (as `dlscale import
  /// throughput` writes them), or in the CSV it reads, whose device is `device`: the same name once case, spaces and
  /// punctuation are set aside, or one containing the other ("P100" matches "Tesla
  /// P100-SXM2-16GB"). A file without any is an error naming the devices it has.
  static func importedThroughput(path: String, device: String, at place: String) throws
    -> [SystemDescription.Throughput]
  {
    let records: [Record]
    do {
      if path.lowercased().hasSuffix(".csv") {
        // The CSV itself, as `dlscale import throughput` reads it.
        records = try ImportBatch(source: .throughput, parse: ThroughputCSV.records).stamped(ImportedFile.read(path))
      } else {
        records = try ResultsFile(path: path).read().records
      }
    } catch {
      throw SweepPlan.ParseError(description: "\(place): \(error)")
    }
    let imported = records.filter {
      $0.kind == .train && $0.source == .throughput && ($0.ranks ?? 1) == 1 && $0.model != nil
        && $0.batchPerRank != nil && ($0.samplesPerS ?? 0) > 0
    }
    let matching = imported.filter { $0.device.map { sameDevice($0, device) } ?? false }
    guard !matching.isEmpty else {
      let devices = Set(imported.map { $0.device ?? "unnamed" }).sorted()
      let found = devices.isEmpty ? "none imported there" : "devices there: \(devices.joined(separator: ", "))"
      throw SweepPlan.ParseError(
        description: "\(place): \(path) has no imported throughput for device \(device) (\(found))")
    }
    return matching.map { record in
      let from = record.sourceFile.map { "\($0), " } ?? ""
      return SystemDescription.Throughput(
        model: record.model!, batch: record.batchPerRank!, samplesPerS: record.samplesPerS!, engine: record.engine,
        source: "imported: \(from)device \(record.device!), in \(path)")
    }
  }

  static func sameDevice(_ first: String, _ second: String) -> Bool {
    func key(_ text: String) -> String { String(text.lowercased().filter { $0.isLetter || $0.isNumber }) }
    let (a, b) = (key(first), key(second))
    return !a.isEmpty && !b.isEmpty && (a.contains(b) || b.contains(a))
  }

  /// `path` as written in the system file at `file`: relative to that file's folder.
  private static func relative(_ path: String, to file: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    let folder = (file as NSString).deletingLastPathComponent
    return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
  }

  /// The YAML text of `system`, readable by `parse`, with the units people write.
  static func yaml(_ system: SystemDescription) -> String {
    func quoted(_ text: String) -> String {
      "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    func rate(_ bytesPerS: Double) -> String { "\(UnitText.number(bytesPerS / 1e9))GB/s" }
    func link(_ link: SystemDescription.Link) -> String {
      "{name: \(quoted(link.name)), rate: \(rate(link.bytesPerS)), latency: \(UnitText.number(link.latencyS * 1e6))us, source: \(quoted(link.source))}"
    }
    var lines = ["name: \(quoted(system.name))"]
    if let summary = system.summary { lines.append("summary: \(quoted(summary))") }
    if let nodes = system.nodes { lines.append("nodes: \(nodes)") }
    lines.append("devices_per_node: \(system.devicesPerNode)")
    let device = system.device
    var deviceParts = ["name: \(quoted(device.name))"]
    if let peak = device.peakFlops { deviceParts.append("peak: \(UnitText.number(peak / 1e12))TFLOP/s") }
    if let memory = device.memoryBytes {
      let text = ByteSize.format(memory)
      deviceParts.append("memory: \((try? ByteSize.parse(text)) == memory ? text : "\(memory)B")")
    }
    if let bandwidth = device.memoryBandwidthBytesPerS { deviceParts.append("memory_bandwidth: \(rate(bandwidth))") }
    if let cores = device.cores { deviceParts.append("cores: \(UnitText.number(cores))") }
    deviceParts.append("source: \(quoted(device.source))")
    lines.append("device: {\(deviceParts.joined(separator: ", "))}")
    if let intra = system.intraNode { lines.append("intra_node: \(link(intra))") }
    lines.append("inter_node: \(link(system.interNode))")
    if !system.throughput.isEmpty {
      lines.append("throughput:")
      for entry in system.throughput {
        var parts = ["model: \(entry.model)", "batch: \(entry.batch)", "samples_per_s: \(entry.samplesPerS)"]
        if let engine = entry.engine { parts.append("engine: \(quoted(engine))") }
        if let source = entry.source { parts.append("source: \(quoted(source))") }
        lines.append("  - {\(parts.joined(separator: ", "))}")
      }
    }
    if system.measured { lines.append("measured: true") }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Numbers written into YAML so that they read back exactly: the shortest decimal that
/// round-trips.
enum UnitText {
  static func number(_ value: Double) -> String {
    // 15 us is 1.4999999999999999e-05 s, and × 1e6 gives 14.999999999999998: within a part in
    // 10^12 of a whole number is that number.
    if abs(value - value.rounded()) <= 1e-12 * max(abs(value), 1), abs(value) < 1e15 {
      return String(Int(value.rounded()))
    }
    return "\(value)"
  }
}

extension NodeReader {
  func positiveInteger(_ node: Node, key: String) throws -> Int {
    guard case .scalar(let scalar) = node, let value = Int(scalar.string), value > 0 else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be a positive integer")
    }
    return value
  }

  func boolean(_ node: Node, key: String) throws -> Bool {
    guard case .scalar(let scalar) = node, let value = Bool(scalar.string.lowercased()) else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be true or false")
    }
    return value
  }

  /// A scalar read by one of the unit parsers; its error becomes the line a user sees.
  func unit<T, E: Error & CustomStringConvertible>(_ node: Node, key: String, _ parse: (String) throws(E) -> T) throws
    -> T
  {
    guard case .scalar(let scalar) = node else {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)' must be a single value")
    }
    do { return try parse(scalar.string) } catch {
      throw SweepPlan.ParseError(description: "\(at(node)): '\(key)': \(error.description)")
    }
  }
}
