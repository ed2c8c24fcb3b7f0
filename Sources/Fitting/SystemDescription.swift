import Measurements

/// A system to answer for (docs/ARCHITECTURE.md, "Systems"): how many nodes, how many devices
/// (ranks) each node has, the device, the link between the devices of one node and the network
/// between nodes, and training throughput measured elsewhere. It comes from the catalogue
/// (`SystemCatalogue`), from a YAML file a user writes (`dlscale systems --help` shows the
/// layout), from `dlscale fit` (the machine it measured) or from `dlscale cluster up` (the
/// emulated cluster).
public struct SystemDescription: Codable, Sendable, Equatable {
  /// One device: what a rank runs on (a GPU, or a CPU node as a whole).
  public struct Device: Codable, Sendable, Equatable {
    public var name: String
    /// Peak FP32 FLOP/s.
    public var peakFlops: Double?
    public var memoryBandwidthBytesPerS: Double?
    public var memoryBytes: Int?
    /// CPU cores a rank computes on and its communication shares with it (a CPU device all of
    /// whose cores compute; a slot of an emulated host capped with `--cpus`). When given,
    /// predictions take the CPU the rank's allreduces need (models.json's `communication_cpu`)
    /// out of its compute (`CommunicationCPUCost`); nil for a GPU, whose compute it does not
    /// slow, and for cores left free for communication.
    public var cores: Double?
    /// Where the figures come from: "spec sheet: ...", "measured: ...", "given".
    public var source: String

    public init(
      name: String, peakFlops: Double? = nil, memoryBandwidthBytesPerS: Double? = nil, memoryBytes: Int? = nil,
      cores: Double? = nil, source: String
    ) {
      self.name = name
      self.peakFlops = peakFlops
      self.memoryBandwidthBytesPerS = memoryBandwidthBytesPerS
      self.memoryBytes = memoryBytes
      self.cores = cores
      self.source = source
    }
  }

  /// A link: within a node (shared memory, PCIe, NVLink) or between nodes (Ethernet, InfiniBand).
  public struct Link: Codable, Sendable, Equatable {
    public var name: String
    /// Bytes per second in one direction.
    public var bytesPerS: Double
    /// Seconds per message.
    public var latencyS: Double
    /// Where the figures come from.
    public var source: String

    public init(name: String, bytesPerS: Double, latencyS: Double, source: String) {
      self.name = name
      self.bytesPerS = bytesPerS
      self.latencyS = latencyS
      self.source = source
    }

    /// `ib-edr (100 Gbit/s = 12.5 GB/s, 1 us)`.
    public var text: String {
      "\(name) (\(DataRate(bytesPerSecond: bytesPerS)), \(TimeSpan.format(seconds: latencyS)))"
    }
  }

  /// Training throughput of one device measured elsewhere (a framework's benchmark, `dlscale
  /// import throughput`): samples per second of `model` at `batch` per device.
  public struct Throughput: Codable, Sendable, Equatable {
    public var model: String
    public var batch: Int
    public var samplesPerS: Double
    public var engine: String?
    public var source: String?

    public init(model: String, batch: Int, samplesPerS: Double, engine: String? = nil, source: String? = nil) {
      self.model = model
      self.batch = batch
      self.samplesPerS = samplesPerS
      self.engine = engine
      self.source = source
    }
  }

  public var name: String
  public var summary: String?
  /// Nodes the system has; nil when any count may be asked for.
  public var nodes: Int?
  public var devicesPerNode: Int
  public var device: Device
  /// The link between devices of one node; nil when a node has one device.
  public var intraNode: Link?
  public var interNode: Link
  public var throughput: [Throughput]
  /// True for a machine dlscale measured (`dlscale fit`, `dlscale cluster up`): its compute and
  /// communication come from the fits in models.json, and its links from the fit or the
  /// emulated cluster's set rate.
  public var measured: Bool

  public init(
    name: String, summary: String? = nil, nodes: Int? = nil, devicesPerNode: Int, device: Device,
    intraNode: Link?, interNode: Link, throughput: [Throughput] = [], measured: Bool = false
  ) {
    self.name = name
    self.summary = summary
    self.nodes = nodes
    self.devicesPerNode = devicesPerNode
    self.device = device
    self.intraNode = intraNode
    self.interNode = interNode
    self.throughput = throughput
    self.measured = measured
  }

  /// The throughput entry for `model` whose batch is nearest `batch` (ties: the larger), if any.
  public func throughput(model: String, batch: Int) -> Throughput? {
    throughput.filter { $0.model == model }.min {
      (abs($0.batch - batch), -$0.batch) < (abs($1.batch - batch), -$1.batch)
    }
  }

  /// Whether the description prices compute of `model` itself: a throughput entry or a peak.
  public func describesCompute(model: String, batch: Int) -> Bool {
    throughput(model: model, batch: batch) != nil || device.peakFlops != nil
  }

  /// One line: `8xp100-nvlink-edr: 8 × P100 SXM2 per node, NVLink 1.0 (...), ib-edr (...)`.
  public var line: String {
    let count = nodes.map { "\($0) nodes × " } ?? ""
    let intra = intraNode.map { "\($0.text) within a node, " } ?? ""
    return "\(name): \(count)\(devicesPerNode) × \(device.name) per node, \(intra)\(interNode.text) between nodes"
  }
}
