import Measurements

/// The settings of a data-parallel training run, as `dlscale train` and the agent both take
/// them, checked in one place so that both refuse the same input with the same line.
public struct TrainingSettings: Sendable {
  public var model: String
  public var batch: Int
  public var scaling: String
  public var steps: Int
  public var aloneSteps: Int
  public var algorithm: String
  public var bucket: String
  public var overlap: String
  public var threads: Int
  /// Microseconds the communication thread sleeps between tests of a pending transfer; 0 waits
  /// in MPI's own blocking calls (see `WaitPolicy` in Collectives).
  public var pollInterval: Double
  /// `shared` or `reserved` (see `CommunicationCPU`); nil takes the host's reservation if it has one.
  public var commCPU: String?

  /// The communication thread's default: short against any transfer of a gradient bucket, long
  /// enough that the thread takes almost no CPU from backward.
  public static let defaultPollInterval = 100.0

  public init(
    model: String, batch: Int, scaling: String, steps: Int, aloneSteps: Int, algorithm: String, bucket: String,
    overlap: String, threads: Int, pollInterval: Double = TrainingSettings.defaultPollInterval, commCPU: String? = nil
  ) {
    self.model = model
    self.batch = batch
    self.scaling = scaling
    self.steps = steps
    self.aloneSteps = aloneSteps
    self.algorithm = algorithm
    self.bucket = bucket
    self.overlap = overlap
    self.threads = threads
    self.pollInterval = pollInterval
    self.commCPU = commCPU
  }

  /// The first thing wrong with the settings, as one line for the user, or nil.
  public var problem: String? {
    guard Zoo.names.contains(model) else {
      return "unknown model '\(model)' (known: \(Zoo.names.joined(separator: ", ")))"
    }
    guard batch > 0 else { return "--batch must be positive, got \(batch)" }
    guard ["weak", "strong"].contains(scaling) else { return "--scaling must be weak or strong" }
    guard steps > 0 else { return "--steps must be positive, got \(steps)" }
    guard aloneSteps >= 0 else { return "--alone-steps must not be negative" }
    guard OverlapMode(rawValue: overlap) != nil else { return "--overlap must be \(OverlapMode.choices)" }
    guard threads > 0 else { return "--threads must be positive, got \(threads)" }
    if let problem = PollInterval.problem(pollInterval) { return problem }
    if let commCPU, CommunicationCPU(rawValue: commCPU) == nil {
      return "--comm-cpu must be \(CommunicationCPU.choices), got '\(commCPU)'"
    }
    do { _ = try AlgorithmName.parseList(algorithm) } catch { return error.description }
    do {
      guard try ByteSize.parse(bucket) > 0 else { return "--bucket must be positive" }
    } catch { return "--bucket: \(error.description)" }
    return nil
  }
}
