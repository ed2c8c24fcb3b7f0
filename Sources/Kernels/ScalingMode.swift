/// How a training run's batch grows with the ranks (`dlscale train --scaling`): weak scaling
/// keeps the batch per rank, strong scaling keeps the global batch and splits it.
public enum ScalingMode: String, CaseIterable, Sendable {
  /// `--batch` samples on every rank: the global batch grows with the ranks.
  case weak
  /// `--batch` samples in all, split across the ranks.
  case strong

  /// The values `--scaling` takes, for error messages.
  public static let choices = "weak or strong"
}
