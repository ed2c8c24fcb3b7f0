import Foundation

/// What a report uses from `models.json` (written by `dlscale fit`): communication models per
/// algorithm, the link model, scaling fits and predictions. Read loosely: every part and field
/// is optional, unknown fields are ignored, and what is absent is simply not drawn.
public struct ModelsDocument: Sendable {
  public var communication: [CommunicationModel] = []
  public var linkLatencyS: Double?
  public var linkBandwidthBytesPerS: Double?
  public var scaling: [ScalingFit] = []

  /// The models schema this build reads (Fitting's ModelsFile.currentSchema).
  public static let understoodSchema = 3

  public init() {}

  public struct Problem: Error, CustomStringConvertible {
    public var description: String
  }

  public static func read(path: String) throws(Problem) -> ModelsDocument {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw Problem(description: "cannot read models file \(path): no such file or not readable")
    }
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw Problem(description: "\(path) is not a models file (not JSON)")
    }
    guard let root = object as? [String: Any] else {
      throw Problem(description: "\(path) is not a models file (expected a JSON object)")
    }
    if let schema = root["schema"] as? Int, schema > understoodSchema {
      throw Problem(
        description: "\(path): models schema \(schema) is newer than this dlscale understands (\(understoodSchema))")
    }
    let parts = ["communication", "hockney", "links", "scaling", "predictions", "compute"]
    guard parts.contains(where: { root[$0] != nil }) else {
      throw Problem(description: "\(path) has none of a models file's parts (\(parts.joined(separator: ", ")))")
    }
    return ModelsDocument(root: root)
  }

  init(root: [String: Any]) {
    communication = (LooseJSON.objects(root["communication"]) + LooseJSON.objects(root["hockney"]))
      .compactMap(CommunicationModel.init(loose:))
    if let links = root["links"] as? [String: Any] {
      linkLatencyS = LooseJSON.number(links, "latency_s")
      linkBandwidthBytesPerS = LooseJSON.number(links, "bandwidth_bytes_per_s")
    }
    let predictions = LooseJSON.objects(root["predictions"])
    scaling = LooseJSON.objects(root["scaling"]).compactMap { ScalingFit(loose: $0, sharedPredictions: predictions) }
  }

  /// The communication model for an algorithm (and rank count, if the file has one per count).
  public func communicationModel(algorithm: String, ranks: Int) -> CommunicationModel? {
    let matching = communication.filter { $0.algorithm == algorithm }
    return matching.first { $0.ranks == ranks } ?? matching.first { $0.ranks == nil }
  }

  public func scalingFit(model: String, scaling: String) -> ScalingFit? {
    self.scaling.first { $0.model == model && $0.scaling == scaling }
  }

  /// The fit of a measured series: its model and scaling mode, and its batch and setup where the
  /// fit names them (files written before fits named their setup match every setup).
  public func scalingFit(for series: ScalingSeries) -> ScalingFit? {
    scaling.first { fit in
      fit.model == series.model && fit.scaling == series.scaling && (fit.batch == nil || fit.batch == series.batch)
        && (fit.setup == nil || fit.setup == series.setup)
    }
  }
}

/// Helpers to read JSON whose exact shape is not fixed.
enum LooseJSON {
  static func objects(_ value: Any?) -> [[String: Any]] {
    if let array = value as? [[String: Any]] { return array }
    if let dictionary = value as? [String: [String: Any]] {
      return dictionary.sorted { $0.key < $1.key }.map { key, value in
        var object = value
        if object["name"] == nil { object["name"] = key }
        return object
      }
    }
    return []
  }

  /// The first of `keys` that holds a finite number.
  static func number(_ object: [String: Any], _ keys: String...) -> Double? {
    for key in keys {
      if let value = object[key] as? NSNumber, value.doubleValue.isFinite { return value.doubleValue }
    }
    return nil
  }

  static func string(_ object: [String: Any], _ keys: String...) -> String? {
    for key in keys { if let value = object[key] as? String { return value } }
    return nil
  }
}
