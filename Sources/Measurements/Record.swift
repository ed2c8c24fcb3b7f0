import Foundation

/// One line of a results file (docs/ARCHITECTURE.md, "Record schema"): the run metadata every record carries
/// and the fields of its kind. Keys are snake_case in JSON; fields of other kinds stay absent.
public struct Record: Codable, Equatable, Sendable {
  /// The schema version this build writes. Readers refuse newer versions.
  public static let currentSchema = 1

  public enum Kind: String, Codable, Sendable, CaseIterable {
    case allreduce, p2p, train, kernel, failure
  }

  /// Where an imported record came from (`dlscale import`); absent for dlscale's own.
  public enum Source: String, Codable, Sendable, CaseIterable {
    case osu
    case ncclTests = "nccl-tests"
    case throughput
  }

  // Common to every kind.
  public var schema: Int = Record.currentSchema
  public var kind: Kind
  public var runId: String
  public var timestamp: String
  public var ranks: Int?
  public var hosts: Int?
  public var rankHosts: [String]?
  /// Each rank's CPU affinity as the run started, as `taskset -c` lists it ("0", "2-3"); index =
  /// rank. Absent in records written before binding was recorded.
  public var rankCores: [String]?
  public var mpiLibrary: String?
  public var dlscaleVersion: String = dlscaleVersionString
  public var command: [String]?
  /// The sweep plan's name and the point's key, for records written by `dlscale sweep`.
  public var sweep: String?
  public var sweepPoint: String?

  // allreduce
  public var algorithm: String?
  public var bytes: Int?
  public var iterations: Int?
  public var warmup: Int?
  /// Across ranks: the min/mean/median/p95/max of the per-rank mean times.
  public var timeUs: Summary?
  /// Per rank (index = rank): the min/mean/median/p95/max of that rank's timed iterations.
  public var rankTimeUs: [Summary]?
  public var slowestRank: Int?
  public var algbwGbps: Double?
  public var busbwGbps: Double?
  public var wrong: Int?

  // p2p
  public var from: Int?
  public var to: Int?
  public var fromHost: String?
  public var toHost: String?
  public var latencyUs: Double?
  public var bandwidthGbps: Double?

  // train
  public var model: String?
  public var batchPerRank: Int?
  public var globalBatch: Int?
  public var scaling: String?
  public var bucketBytes: Int?
  /// When the gradient allreduces ran (`--overlap`): off, on or forward. Files written before
  /// this was one field keep two booleans, `overlap` and `overlap_forward`; `decode(line:)`
  /// reads them as this mode.
  public var overlap: OverlapMode?
  public var steps: Int?
  public var stepMs: Summary?
  public var forwardMs: Double?
  public var backwardMs: Double?
  public var allreduceMs: Double?
  public var exposedCommMs: Double?
  /// CPU time of the communication thread per step (mean over the ranks): what the allreduces
  /// take from compute on a host whose cores are all busy.
  public var commCpuMs: Double?
  /// True when each rank's communication thread ran on CPU reserved for it (the emulated
  /// cluster's `--comm-cpus`), not on the CPU its compute has; absent otherwise.
  public var commCpuReserved: Bool?
  public var updateMs: Double?
  public var samplesPerS: Double?
  public var gradientBytes: Int?
  public var threads: Int?
  public var warmupSteps: Int?
  /// Each rank's share of the global batch (strong scaling may split it unevenly).
  public var rankBatches: [Int]?
  public var bucketCount: Int?
  /// Microseconds the communication thread slept between tests of a transfer (0: MPI's wait).
  public var pollIntervalUs: Double?
  /// Mean training loss over the ranks at the last step.
  public var loss: Double?
  /// FNV-1a digest of the trainable weights after the last step, and whether every rank's agreed.
  public var weightsDigest: String?
  public var ranksAgree: Bool?
  /// The same step's compute (no communication) and its bucket allreduces (no compute), each
  /// measured alone in the same run: perfect overlap would make the step their maximum.
  public var computeAloneMs: Double?
  public var commAloneMs: Double?
  /// Each rank's own forward + backward, mean over the timed steps, ms (index = rank); the
  /// step's `forward_ms` and `backward_ms` are the means over the ranks.
  public var rankComputeMs: [Double]?

  // kernel
  public var op: String?
  public var shape: String?
  public var flops: Double?
  public var bytesMoved: Double?
  public var gflops: Double?
  public var pass: String?
  /// With `model`: the names of the model's layers this kernel case stands for (layers of the
  /// same kind on the same input shapes are timed once).
  public var layers: [String]?

  // failure
  public var reason: String?
  public var exitStatus: Int?
  public var stderrTail: String?
  public var parameters: [String: String]?

  // imported (`dlscale import`)
  public var source: Source?
  /// The imported file's name and its digest ("sha256:" and 64 hex digits): a file imported
  /// twice is recognised by its digest.
  public var sourceFile: String?
  public var sourceDigest: String?
  /// nccl-tests runs each size out of place and in place: true for the in-place figures.
  public var inPlace: Bool?
  /// The device that ran it ("NVIDIA H100 80GB HBM3", "cpu") and the training engine, when
  /// the file says.
  public var device: String?
  public var engine: String?
  /// The engine's version ("2.1.2" for PyTorch), when the record says.
  public var engineVersion: String?

  /// The training engine that produced a train record: `engine`, or "dlscale" (its own Swift
  /// engine) when the record does not say. Series of different engines are kept apart.
  public var engineName: String { engine ?? Record.ownEngine }
  /// The name of dlscale's own training engine.
  public static let ownEngine = TrainingEngine.dlscale.rawValue

  public init(kind: Kind, runId: String, timestamp: String = Record.now()) {
    self.kind = kind
    self.runId = runId
    self.timestamp = timestamp
  }

  /// How a multi-rank `train` record communicated: "ring, 8MiB buckets, overlap on" (the
  /// overlap mode off, on or forward), with ", communication CPU reserved" when it was, and led
  /// by the engine when it is not dlscale's ("pytorch, gloo, ..."). Runs of one model, scaling
  /// mode and batch that differ in this are different scaling curves. Nil for one rank, which
  /// communicates nothing (series keep one-rank records of different engines apart by
  /// `engineName`).
  public var trainingSetup: String? {
    guard kind == .train, let ranks, ranks > 1 else { return nil }
    let buckets = bucketBytes.map { "\(ByteSize.format($0)) buckets, " } ?? ""
    let reserved = commCpuReserved == true ? ", communication CPU reserved" : ""
    let engine = engineName == Record.ownEngine ? "" : "\(engineName), "
    return "\(engine)\(algorithm ?? "unknown algorithm"), \(buckets)overlap \((overlap ?? .on).rawValue)\(reserved)"
  }

  /// ISO 8601 with milliseconds, UTC.
  public static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
  }

  /// A run identifier: UTC time and a random suffix, unique across concurrent runs.
  public static func newRunId() -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss"
    let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    return "\(formatter.string(from: Date()))-\(suffix)"
  }

  /// One JSON line (no trailing newline), keys sorted so that files diff well.
  public func jsonLine() throws -> String {
    let encoder = JSONEncoder()
    // A diverged run's loss (or any figure) may be NaN or infinite, which JSON has no number for:
    // written as a string, the record is kept instead of the run failing to write it.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }

  /// Decodes one line; refuses a schema newer than this build's (checked first, so that a newer
  /// record whose fields changed is reported as newer, not as malformed).
  public static func decode(line: String) throws -> Record {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let data = Data(line.utf8)
    if let probe = try? decoder.decode(SchemaProbe.self, from: data), let schema = probe.schema,
      schema > currentSchema
    {
      throw RecordError.newerSchema(schema)
    }
    var record = try decoder.decode(Record.self, from: data)
    if record.overlap == .on, line.contains("overlap_forward"),
      (try? decoder.decode(OverlapForwardProbe.self, from: data))?.overlapForward == true
    {
      record.overlap = .forward
    }
    return record
  }

  private struct SchemaProbe: Decodable {
    var schema: Int?
  }

  /// The second of the two booleans that older files wrote for the overlap mode.
  private struct OverlapForwardProbe: Decodable {
    var overlapForward: Bool?
  }
}

public enum RecordError: Error, CustomStringConvertible {
  case newerSchema(Int)

  public var description: String {
    switch self {
    case .newerSchema(let version):
      "record schema \(version) is newer than this dlscale understands (\(Record.currentSchema))"
    }
  }
}

/// The version string written into every record.
public let dlscaleVersionString = "0.1.0"
