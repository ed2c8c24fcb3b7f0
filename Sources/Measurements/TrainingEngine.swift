/// What trains a `dlscale train` run (`--engine`): dlscale's own Swift engine on its agents, or
/// PyTorch's DistributedDataParallel on every rank, launched the same way, so that the two can be
/// compared on the same cluster. Train records name it in `engine` (absent: dlscale's).
public enum TrainingEngine: String, CaseIterable, Sendable {
  /// dlscale's agents: its own layers, buckets and allreduce algorithms.
  case dlscale
  /// PyTorch on every rank (engines/pytorch): DDP with the same bucket size, gloo or NCCL.
  case pytorch

  /// The values `--engine` takes, for error messages.
  public static let choices = "dlscale or pytorch"

  /// The engine that wrote `record` (its `engine`; dlscale's when absent), nil for an engine
  /// this build does not run (an imported record's).
  public init?(of record: Record) { self.init(rawValue: record.engineName) }
}
