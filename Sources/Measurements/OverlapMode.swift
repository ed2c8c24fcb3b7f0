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

extension Record {
  /// The overlap mode of a `train` record, from `overlap` and `overlap_forward` (nil when the
  /// record names none).
  public var overlapMode: OverlapMode? {
    guard let overlap else { return nil }
    return overlapForward == true ? .forward : overlap ? .on : .off
  }

  /// Sets `overlap` and `overlap_forward` (the latter only for `.forward`, absent otherwise).
  public mutating func setOverlapMode(_ mode: OverlapMode) {
    overlap = mode != .off
    overlapForward = mode == .forward ? true : nil
  }
}
