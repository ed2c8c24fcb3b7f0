import Measurements

/// The options of a data-parallel training run, typed, with their defaults, their one check and
/// their one form as text: what `dlscale train`, the agent's `train`, sweep plans and the demo
/// all build, so that each refuses the same input with the same line and the agent receives
/// exactly what the coordinator checked.
public struct TrainingOptions: Equatable, Sendable {
  /// A reference model of the zoo (`dlscale models`).
  public var model: String
  /// What trains: dlscale's agents or PyTorch's DDP on every rank.
  public var engine: TrainingEngine
  /// Samples per rank (weak scaling) or in all (strong scaling).
  public var batch: Int
  public var scaling: ScalingMode
  /// Timed training steps.
  public var steps: Int
  /// Steps of compute alone and of communication alone, timed between the training steps.
  public var aloneSteps: Int
  /// The gradient allreduce.
  public var algorithm: AllreduceKind
  /// The gradient bucket's size (`BucketPlan`).
  public var bucketBytes: Int
  public var overlap: OverlapMode
  /// Compute threads per rank.
  public var threads: Int
  /// Microseconds the communication thread sleeps between tests of a pending transfer; 0 waits
  /// in MPI's own blocking calls (see `WaitPolicy` in Collectives).
  public var pollInterval: Double
  /// Nil takes the host's reservation if it has one (see `CommunicationCPU`).
  public var commCPU: CommunicationCPU?

  // The defaults, defined here only: the commands' options, the agent's and sweep plans' all
  // take theirs from these.
  public static let defaultBatch = 8
  public static let defaultScaling = ScalingMode.weak
  public static let defaultSteps = 5
  public static let defaultAloneSteps = 0
  public static let defaultAlgorithm = AllreduceKind.ring
  public static let defaultBucketBytes = 8 << 20
  public static let defaultOverlap = OverlapMode.forward
  public static let defaultEngine = TrainingEngine.dlscale
  public static let defaultThreads = 1
  /// The overlap an engine runs unless told: PyTorch's DDP overlaps the allreduces with backward
  /// only, so its runs are `on` (or `off`, never `forward`).
  public static func defaultOverlap(for engine: TrainingEngine) -> OverlapMode {
    engine == .pytorch ? .on : defaultOverlap
  }
  /// Short against any transfer of a gradient bucket, long enough that the communication thread
  /// takes almost no CPU from backward.
  public static let defaultPollInterval = 100.0

  public init(
    model: String, engine: TrainingEngine = defaultEngine, batch: Int = defaultBatch,
    scaling: ScalingMode = defaultScaling, steps: Int = defaultSteps,
    aloneSteps: Int = defaultAloneSteps, algorithm: AllreduceKind = defaultAlgorithm,
    bucketBytes: Int = defaultBucketBytes, overlap: OverlapMode? = nil, threads: Int = defaultThreads,
    pollInterval: Double = defaultPollInterval, commCPU: CommunicationCPU? = nil
  ) {
    self.model = model
    self.engine = engine
    self.batch = batch
    self.scaling = scaling
    self.steps = steps
    self.aloneSteps = aloneSteps
    self.algorithm = algorithm
    self.bucketBytes = bucketBytes
    self.overlap = overlap ?? Self.defaultOverlap(for: engine)
    self.threads = threads
    self.pollInterval = pollInterval
    self.commCPU = commCPU
  }

  /// One option, by the name the command line (`--NAME`) and sweep plans (`NAME:`) give it, in
  /// the order a sweep point's key lists them.
  public enum Field: String, CaseIterable, Sendable {
    case model, engine, batch, scaling, algorithm, bucket, overlap, steps, threads
    case aloneSteps = "alone-steps"
    case pollInterval = "poll-interval"
    case commCPU = "comm-cpu"

    /// `--NAME`.
    public var option: String { "--" + rawValue }
  }

  /// A value refused, as the one line the user sees.
  public struct Problem: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  /// What is wrong with `field`'s value, as one line for the user, or nil.
  public func problem(of field: Field) -> String? {
    switch field {
    case .model:
      Zoo.names.contains(model) ? nil : "unknown model '\(model)' (known: \(Zoo.names.joined(separator: ", ")))"
    case .batch: batch > 0 ? nil : "--batch must be positive, got \(batch)"
    case .steps: steps > 0 ? nil : "--steps must be positive, got \(steps)"
    case .aloneSteps: aloneSteps >= 0 ? nil : "--alone-steps must not be negative, got \(aloneSteps)"
    case .bucket: bucketBytes > 0 ? nil : "--bucket must be positive"
    case .threads: threads > 0 ? nil : "--threads must be positive, got \(threads)"
    case .pollInterval: PollInterval.problem(pollInterval)
    case .overlap where engine == .pytorch && overlap == .forward:
      "--engine pytorch overlaps as DDP does, beside backward (on) or not at all (off), not forward"
    case .scaling, .algorithm, .overlap, .commCPU, .engine: nil  // every value of their types is valid
    }
  }

  /// The first thing wrong with the options, as one line for the user, or nil.
  public var problem: String? { Field.allCases.lazy.compactMap { problem(of: $0) }.first }

  /// Throws the first thing wrong with the options.
  public func validate() throws(Problem) {
    if let problem { throw Problem(problem) }
  }

  /// Sets `field` from its text as the command line and sweep plans write it (a bucket as a size
  /// such as `25MiB`), and checks it: the one reader of training options from text.
  public mutating func set(_ field: Field, from text: String) throws(Problem) {
    func refuse(_ expected: String) -> Problem { Problem("\(field.option) must be \(expected), got '\(text)'") }
    func integer() throws(Problem) -> Int {
      guard let value = Int(text) else { throw refuse("an integer") }
      return value
    }
    switch field {
    case .model: model = text
    case .engine:
      guard let value = TrainingEngine(rawValue: text) else {
        throw Problem("unknown engine '\(text)' (known: \(TrainingEngine.choices))")
      }
      // An overlap left at one engine's default becomes the other's.
      if overlap == Self.defaultOverlap(for: engine) { overlap = Self.defaultOverlap(for: value) }
      engine = value
    case .batch: batch = try integer()
    case .steps: steps = try integer()
    case .aloneSteps: aloneSteps = try integer()
    case .threads: threads = try integer()
    case .scaling:
      guard let value = ScalingMode(rawValue: text) else { throw refuse(ScalingMode.choices) }
      scaling = value
    case .algorithm:
      guard let value = AllreduceKind(name: text) else {
        throw Problem("unknown algorithm '\(text)' (known: \(AlgorithmName.all.joined(separator: ", ")))")
      }
      algorithm = value
    case .bucket:
      do { bucketBytes = try ByteSize.parse(text) } catch { throw Problem("--bucket: \(error.description)") }
    case .overlap:
      guard let value = OverlapMode(rawValue: text) else { throw refuse(OverlapMode.choices) }
      overlap = value
    case .pollInterval:
      guard let value = Double(text) else { throw refuse("a number of microseconds") }
      pollInterval = value
    case .commCPU:
      guard let value = CommunicationCPU(rawValue: text) else { throw refuse(CommunicationCPU.choices) }
      commCPU = value
    }
    if let problem = problem(of: field) { throw Problem(problem) }
  }

  /// The default options with `field` read from `text` (a model left empty): what a command-line
  /// option's value becomes.
  public static func reading(_ field: Field, from text: String) throws(Problem) -> TrainingOptions {
    var options = TrainingOptions(model: "")
    try options.set(field, from: text)
    return options
  }

  /// `field`'s value as text that `set(_:from:)` reads back to the same value; nil when unset.
  public func text(of field: Field) -> String? {
    switch field {
    case .model: model
    case .engine: engine.rawValue
    case .batch: "\(batch)"
    case .scaling: scaling.rawValue
    case .steps: "\(steps)"
    case .aloneSteps: "\(aloneSteps)"
    case .algorithm: algorithm.rawValue
    case .bucket: ByteSize.format(bucketBytes)
    case .overlap: overlap.rawValue
    case .threads: "\(threads)"
    case .pollInterval: "\(pollInterval)"
    case .commCPU: commCPU?.rawValue
    }
  }

  /// The agent's `train` arguments for `fields` (by default every option, so that the agent runs
  /// exactly these options whatever its own defaults).
  public func agentArguments(_ fields: [Field] = Field.allCases) -> [String] {
    fields.flatMap { field in text(of: field).map { [field.option, $0] } ?? [] }
  }
}
