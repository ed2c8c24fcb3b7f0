import Foundation

/// models.json: everything `dlscale fit` fitted, versioned, keys in snake_case.
///
/// `{"schema":1, "communication":[{algorithm, alpha_s, beta_s_per_byte, gamma_s_per_byte, mape,
/// hockney:[{ranks, pieces:[…]}]…}], "links":{latency_s, bandwidth_bytes_per_s, links:[…]},
/// "compute":{"steps":[…], "kernels":{…}}, "scaling":[…], "problems":[…], "provenance":{…}}`.
public struct ModelsFile: Codable, Sendable, Equatable {
  /// 2: the kernel model's per-op roofline and held-out step errors; the compute slowdown by
  /// hidden communication (`interference`). 3: the kernel model's prior is a power law of work per op,
  /// piecewise for memory-bound ops (`OperationTimeLaw`).
  public static let currentSchema = 3

  /// The compute models: per zoo model from train records, and per kernel from kernel records.
  public struct Compute: Codable, Sendable, Equatable {
    public var steps: [StepComputeModel]
    public var kernels: KernelTimeModel?

    public init(steps: [StepComputeModel] = [], kernels: KernelTimeModel? = nil) {
      self.steps = steps
      self.kernels = kernels
    }
  }

  public var schema: Int = ModelsFile.currentSchema
  public var communication: [StructuralCollectiveModel]
  /// Allreduce models of the algorithms also measured across hosts, fitted to their records of
  /// one host: the link within a node (nil when no algorithm was measured both ways).
  public var communicationWithinHost: [StructuralCollectiveModel]?
  public var links: LinkModel?
  public var compute: Compute
  public var scaling: [ScalingFit]
  /// How much compute slows while allreduces run beside it (nil: not fitted; counts as 0).
  /// Predictions apply it only as measured across hosts (`TrainingTimePrediction.interference`).
  public var interference: CommunicationInterference?
  /// The CPU a rank's allreduces take per byte sent (nil: no record timed its communication
  /// thread). Predictions for devices whose cores all compute take it out of compute.
  public var communicationCpu: CommunicationCPUCost?
  /// The models that could not be fitted, one line each.
  public var problems: [String]
  /// Where the records came from (nil in files written before it was recorded).
  public var provenance: MeasurementProvenance?

  public init(
    communication: [StructuralCollectiveModel] = [], links: LinkModel? = nil, compute: Compute = .init(),
    scaling: [ScalingFit] = [], problems: [String] = []
  ) {
    self.communication = communication
    self.links = links
    self.compute = compute
    self.scaling = scaling
    self.problems = problems
  }

  /// Whether anything at all was fitted.
  public var isEmpty: Bool {
    communication.isEmpty && links == nil && compute.steps.isEmpty && compute.kernels == nil && scaling.isEmpty
  }

  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// A file that is not a models file, or is from a newer dlscale.
  public struct ReadError: Error, CustomStringConvertible {
    public var description: String
  }

  public static func read(path: String) throws -> ModelsFile {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ReadError(description: "cannot read \(path): no such file or not readable")
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    struct Version: Decodable { var schema: Int }
    guard let version = try? decoder.decode(Version.self, from: data) else {
      throw ReadError(description: "\(path) is not a models file (write one with dlscale fit)")
    }
    guard version.schema <= currentSchema else {
      throw ReadError(
        description:
          "\(path): models schema \(version.schema) is newer than this dlscale understands (\(currentSchema))")
    }
    do {
      return try decoder.decode(ModelsFile.self, from: data)
    } catch let error as DecodingError {
      if version.schema < currentSchema {
        throw ReadError(
          description:
            "\(path): models schema \(version.schema) was written by an older dlscale; fit the results again with dlscale fit"
        )
      }
      throw ReadError(description: "\(path) is not a valid models file: \(Self.explain(error))")
    } catch {
      throw ReadError(description: "\(path) is not a valid models file: \(error.localizedDescription)")
    }
  }

  /// A decoding error as one line naming the field: `missing field 'compute'`.
  static func explain(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      let place = context.codingPath.isEmpty ? "" : " in \(path(context.codingPath))"
      return "missing field '\(key.stringValue)'\(place)"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "wrong type at '\(path(context.codingPath))'"
    case .dataCorrupted(let context):
      return "unreadable value at '\(path(context.codingPath))'"
    @unknown default:
      return "\(error)"
    }
  }

  public func communication(for algorithm: String) -> StructuralCollectiveModel? {
    communication.first { $0.algorithm == algorithm }
  }

  /// The allreduce model of `algorithm` on one host, when it was also measured across hosts.
  public func communicationWithinHost(for algorithm: String) -> StructuralCollectiveModel? {
    communicationWithinHost?.first { $0.algorithm == algorithm }
  }

  /// Whether compute of `model` can be priced from these fits (its step model, or the kernels).
  public func hasCompute(for model: String) -> Bool { step(for: model) != nil || compute.kernels != nil }

  public func step(for model: String) -> StepComputeModel? {
    compute.steps.first { $0.model == model }
  }
}
