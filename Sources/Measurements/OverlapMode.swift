/// When a data-parallel step's gradient allreduces run (`dlscale train --overlap`): what the
/// agent runs, what records name, and what `predict` and `optimize` price.
public enum OverlapMode: String, CaseIterable, Sendable {
  /// After backward, one after another.
  case off
  /// Beside backward, each bucket as soon as it is full; the update waits for all of them.
  case on
  /// Beside backward and the next step's forward, the first layers' buckets first; the next
  /// forward waits, before each layer, only for that layer's buckets.
  case forward

  /// The values `--overlap` takes, for error messages.
  public static let choices = "on, off or forward"
}

extension OverlapMode: Codable {
  /// Reads the mode's name, or the boolean `overlap` of files written before the mode was one
  /// field (true: on, false: off; `Record.decode(line:)` reads their `overlap_forward`).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let on = try? container.decode(Bool.self) {
      self = on ? .on : .off
      return
    }
    let name = try container.decode(String.self)
    guard let mode = OverlapMode(rawValue: name) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "unknown overlap mode '\(name)' (expected \(OverlapMode.choices))")
    }
    self = mode
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}
