import Measurements

/// One observation of the Performance Guide (`dlscale guide`), computed from its predictions and
/// stated only when its figures support it: the talk's "larger models scale more easily", "a
/// fast interconnect matters more for less compute-intensive models" and "a single GPU holds
/// only small batches", each with the figures it rests on, per system. When the figures say the
/// contrary the opposite is stated; when they say neither (one model, mixed orderings, no
/// device memory known) the observation is omitted with its reason.
public struct GuideObservation: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    /// Scaling efficiency at the largest node count against compute per byte of gradient.
    case scaling
    /// Speedup from a faster network between nodes, against compute per byte of gradient.
    case interconnect
    /// The largest batch per device that fits its memory.
    case memory
  }

  public enum Verdict: String, Codable, Sendable {
    /// The figures agree with the talk's statement.
    case holds
    /// They agree with part of it (some models, not others).
    case partly
    /// They say the contrary.
    case opposite
    /// They say neither; `statement` says why.
    case omitted
  }

  /// The figures of one model.
  public struct Figure: Codable, Sendable, Equatable {
    public var model: String
    /// `resnet101: efficiency 93.1% at 16 nodes, 4,164 FLOP per gradient byte`.
    public var text: String
    /// The same figures as numbers.
    public var values: [Value]

    public init(model: String, text: String, values: [Value]) {
      self.model = model
      self.text = text
      self.values = values
    }
  }

  /// One named number of a figure: `efficiency` 0.931.
  public struct Value: Codable, Sendable, Equatable {
    public var name: String
    public var value: Double

    public init(_ name: String, _ value: Double) {
      self.name = name
      self.value = value
    }
  }

  public var kind: Kind
  public var system: String
  public var verdict: Verdict
  /// The sentence stated, or why nothing is.
  public var statement: String
  public var figures: [Figure]

  /// `8xp100-nvlink-edr, scaling (holds): statement`, then the figures, one per line, indented.
  public var lines: [String] {
    ["\(system), \(kind.rawValue) (\(verdict.rawValue)): \(statement)"] + figures.map { "  \($0.text)" }
  }
}

/// The measures observations compare models by.
public enum GuideMeasure {
  /// Training FLOPs per sample: forward FLOPs (2 per MAC) and a backward pass of twice the
  /// forward's, as is usual to count (Kaplan et al.'s 6 × parameters per token is the same rule).
  public static func trainingFlopsPerSample(forwardMACs: Int) -> Double { 3 * 2 * Double(forwardMACs) }

  /// Compute per byte of gradient: training FLOPs per sample × batch per device / gradient bytes,
  /// the work each device does for every byte it must allreduce.
  public static func computePerGradientByte(forwardMACs: Int, batchPerDevice: Double, gradientBytes: Int) -> Double {
    trainingFlopsPerSample(forwardMACs: forwardMACs) * batchPerDevice / Double(max(gradientBytes, 1))
  }

  /// The largest batch per device whose `MemoryEstimate` fits `deviceBytes`, found by bisection
  /// over `bytes(batch)` (which grows with the batch); 0 when not even batch 1 fits, nil when
  /// batch `limit` still fits (the answer is at least `limit`).
  public static func largestBatch(fitting deviceBytes: Int, limit: Int = 1 << 20, bytes: (Int) throws -> Int) rethrows
    -> Int?
  {
    guard try bytes(1) <= deviceBytes else { return 0 }
    guard try bytes(limit) > deviceBytes else { return nil }
    var low = 1
    var high = limit
    while high - low > 1 {
      let middle = low + (high - low) / 2
      if try bytes(middle) <= deviceBytes { low = middle } else { high = middle }
    }
    return low
  }
}

extension GuideObservation {
  /// How a series of (x, y) pairs is ordered: whether y rises with x (`agrees` when `rising` is
  /// asked), falls, neither, or not at all. Pairs whose y differ by at most `tolerance` are
  /// ties and count for neither side; pairs with equal x are not compared.
  enum Ordering: Equatable {
    case agrees, opposite, mixed, ties
  }

  static func ordering(_ points: [(x: Double, y: Double)], rising: Bool, tolerance: Double) -> Ordering {
    var concordant = 0
    var discordant = 0
    for i in points.indices {
      for j in points.indices where points[i].x < points[j].x {
        let change = (points[j].y - points[i].y) * (rising ? 1 : -1)
        if change > tolerance {
          concordant += 1
        } else if change < -tolerance {
          discordant += 1
        }
      }
    }
    switch (concordant, discordant) {
    case (0, 0): return .ties
    case (_, 0): return .agrees
    case (0, _): return .opposite
    default: return .mixed
    }
  }

  /// The figures of one model for observations (1) and (2).
  public struct ModelFigures: Sendable, Equatable {
    public var model: String
    /// FLOPs per byte of gradient (`GuideMeasure.computePerGradientByte`).
    public var computePerGradientByte: Double
    public var nodes: Int
    /// Scaling efficiency at `nodes` against one device (1 = perfect); nil when unknown.
    public var efficiency: Double?
    /// Hours with the system's network and with the faster one.
    public var hours: Double?
    public var fasterHours: Double?

    public init(
      model: String, computePerGradientByte: Double, nodes: Int, efficiency: Double? = nil, hours: Double? = nil,
      fasterHours: Double? = nil
    ) {
      self.model = model
      self.computePerGradientByte = computePerGradientByte
      self.nodes = nodes
      self.efficiency = efficiency
      self.hours = hours
      self.fasterHours = fasterHours
    }

    var speedup: Double? {
      guard let hours, let fasterHours, fasterHours > 0 else { return nil }
      return hours / fasterHours
    }
  }

  /// Efficiencies within one percentage point are ties: predictions differing by less say nothing
  /// about which model scales better (ResNet-50's 99.2% and VGG-16's 99.8% on 16 nodes of P100).
  public static let efficiencyTolerance = 0.01
  /// Speedups within 1% are ties.
  public static let speedupTolerance = 0.01

  /// (1) Scaling efficiency at the largest node count, by model, against compute per byte of
  /// gradient: "more compute-intensive models scale more easily" when efficiency rises with it.
  public static func scaling(system: String, _ models: [ModelFigures]) -> GuideObservation {
    let known = models.filter { $0.efficiency != nil }.sorted { $0.computePerGradientByte < $1.computePerGradientByte }
    let figures = known.map { model in
      Figure(
        model: model.model,
        text:
          "\(model.model): efficiency \(GuideNumber.percent(model.efficiency!)) at \(model.nodes) node\(model.nodes == 1 ? "" : "s"), "
          + "\(GuideNumber.grouped(model.computePerGradientByte)) FLOP per gradient byte",
        values: [
          Value("efficiency", model.efficiency!), Value("nodes", Double(model.nodes)),
          Value("flops_per_gradient_byte", model.computePerGradientByte),
        ])
    }
    func observation(_ verdict: Verdict, _ statement: String) -> GuideObservation {
      GuideObservation(kind: .scaling, system: system, verdict: verdict, statement: statement, figures: figures)
    }
    if let nodes = models.map(\.nodes).max(), nodes <= 1 {
      return observation(.omitted, "one node asked for: no scaling to compare (ask for more --nodes)")
    }
    guard known.count >= 2 else {
      return observation(
        .omitted, "\(known.count) model\(known.count == 1 ? "" : "s") with an efficiency: nothing to compare")
    }
    let points = known.map { (x: $0.computePerGradientByte, y: $0.efficiency!) }
    switch ordering(points, rising: true, tolerance: efficiencyTolerance) {
    case .agrees:
      return observation(
        .holds,
        "more compute-intensive models scale more easily (the talk: larger models such as ResNet and VGG are easier to scale): "
          + "efficiency rises with compute per byte of gradient")
    case .opposite:
      return observation(
        .opposite,
        "here less compute-intensive models scale more easily, the opposite of the talk's: efficiency falls as compute per byte of gradient rises"
      )
    case .mixed:
      return observation(
        .omitted, "efficiency neither rises nor falls with compute per byte of gradient across these models")
    case .ties:
      return observation(
        .omitted,
        "every model scales alike (no two efficiencies differ by more than \(GuideNumber.ratio(efficiencyTolerance * 100)) percentage point)"
      )
    }
  }

  /// (2) Speedup from a faster network between nodes, by model, against compute per byte of
  /// gradient: "a fast interconnect matters more for less compute-intensive models" when the
  /// speedup falls as compute per byte rises.
  public static func interconnect(system: String, link: String, faster: String, _ models: [ModelFigures])
    -> GuideObservation
  {
    let known = models.filter { $0.speedup != nil }.sorted { $0.computePerGradientByte < $1.computePerGradientByte }
    let figures = known.map { model in
      Figure(
        model: model.model,
        text:
          "\(model.model): \(GuideNumber.hours(model.hours!)) h, \(GuideNumber.hours(model.fasterHours!)) h with the faster network "
          + "at \(model.nodes) node\(model.nodes == 1 ? "" : "s"): \(GuideNumber.speedup(model.speedup!))× faster; "
          + "\(GuideNumber.grouped(model.computePerGradientByte)) FLOP per gradient byte",
        values: [
          Value("hours", model.hours!), Value("faster_hours", model.fasterHours!), Value("speedup", model.speedup!),
          Value("nodes", Double(model.nodes)), Value("flops_per_gradient_byte", model.computePerGradientByte),
        ])
    }
    func observation(_ verdict: Verdict, _ statement: String) -> GuideObservation {
      GuideObservation(kind: .interconnect, system: system, verdict: verdict, statement: statement, figures: figures)
    }
    if let nodes = models.map(\.nodes).max(), nodes <= 1 {
      return observation(.omitted, "one node asked for: the network between nodes carries nothing")
    }
    guard known.count >= 2 else {
      return observation(.omitted, "\(known.count) model\(known.count == 1 ? "" : "s") priced: nothing to compare")
    }
    let points = known.map { (x: $0.computePerGradientByte, y: $0.speedup!) }
    switch ordering(points, rising: false, tolerance: speedupTolerance) {
    case .agrees:
      return observation(
        .holds,
        "a fast interconnect matters more for less compute-intensive models: \(faster) instead of \(link) "
          + "speeds up most the models with the least compute per byte of gradient")
    case .opposite:
      return observation(
        .opposite,
        "here a fast interconnect matters more for more compute-intensive models, the opposite of the talk's: "
          + "\(faster) instead of \(link) speeds up most the models with the most compute per byte of gradient")
    case .mixed:
      return observation(
        .omitted, "the speedup from \(faster) neither rises nor falls with compute per byte of gradient")
    case .ties:
      return observation(
        .omitted,
        "\(faster) instead of \(link) speeds every model up alike (within \(GuideNumber.percent(speedupTolerance, digits: 1)))"
      )
    }
  }

  /// The memory figures of one model on one device.
  public struct ModelMemory: Sendable, Equatable {
    public var model: String
    /// The largest batch per device that fits; 0 when batch 1 does not, nil when it is at
    /// least `GuideMeasure.largestBatch`'s limit.
    public var largestBatch: Int?
    /// Memory that does not grow with the batch: weights, gradients, momentum, buckets.
    public var modelBytes: Int

    public init(model: String, largestBatch: Int?, modelBytes: Int) {
      self.model = model
      self.largestBatch = largestBatch
      self.modelBytes = modelBytes
    }
  }

  /// Batches per device up to this many samples are small: the batches a single device of the
  /// talk's time trains with (32–256 per GPU in the published ImageNet benchmarks).
  public static let smallBatch = 256

  /// (3) The largest batch per device that fits, by model: "a single device holds only small
  /// batches" when every model's is at most `smallBatch`.
  public static func memory(system: String, device: String, deviceBytes: Int?, _ models: [ModelMemory])
    -> GuideObservation
  {
    guard let deviceBytes else {
      return GuideObservation(
        kind: .memory, system: system, verdict: .omitted,
        statement: "the memory of \(device) is not known: give it in the system file's device", figures: [])
    }
    let figures = models.map { model in
      let batch = model.largestBatch.map { "\($0)" } ?? "at least \(1 << 20)"
      let share = Double(model.modelBytes) / Double(deviceBytes)
      return Figure(
        model: model.model,
        text:
          "\(model.model): largest batch \(batch) per \(device); the model itself (weights, gradients, momentum, buckets) "
          + "takes \(GuideNumber.mebibytes(model.modelBytes)) MiB, \(GuideNumber.percent(share)) of \(GuideNumber.mebibytes(deviceBytes)) MiB",
        values: [
          Value("largest_batch", Double(model.largestBatch ?? (1 << 20))),
          Value("model_bytes", Double(model.modelBytes)),
          Value("device_bytes", Double(deviceBytes)),
        ])
    }
    let small = models.filter { ($0.largestBatch ?? Int.max) <= smallBatch }.map(\.model)
    let large = models.filter { ($0.largestBatch ?? Int.max) > smallBatch }.map(\.model)
    let verdict: Verdict
    let statement: String
    if models.isEmpty {
      verdict = .omitted
      statement = "no model asked for"
    } else if large.isEmpty {
      verdict = .holds
      statement =
        "a single \(device) holds only small batches (at most \(smallBatch) samples): activations fill what the model leaves"
    } else if small.isEmpty {
      verdict = .opposite
      statement = "a single \(device) holds batches above \(smallBatch) samples of every model asked for"
    } else {
      verdict = .partly
      statement =
        "a single \(device) holds only small batches (at most \(smallBatch)) of \(small.joined(separator: ", ")), "
        + "but larger ones of \(large.joined(separator: ", "))"
    }
    return GuideObservation(kind: .memory, system: system, verdict: verdict, statement: statement, figures: figures)
  }
}

/// Numbers in the guide's observations.
enum GuideNumber {
  static func percent(_ fraction: Double, digits: Int = 1) -> String {
    let scale = pow10(digits)
    let value = (fraction * 100 * scale).rounded() / scale
    return "\(trimmed(value))%"
  }

  static func ratio(_ value: Double) -> String { trimmed((value * 100).rounded() / 100) }

  /// Two decimals always: `1.00`, `4.37`.
  static func speedup(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = String(hundredths % 100)
    return "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction)"
  }

  static func hours(_ value: Double) -> String {
    value >= 100 ? "\(Int(value.rounded()))" : trimmed((value * 10).rounded() / 10)
  }

  static func mebibytes(_ bytes: Int) -> String { grouped(Double(bytes) / Double(1 << 20)) }

  /// A whole number with thousands separated by commas: `4,164`.
  static func grouped(_ value: Double) -> String {
    let whole = Int(value.rounded())
    let digits = String(abs(whole))
    var groups: [String] = []
    var end = digits.endIndex
    while end > digits.startIndex {
      let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
      groups.insert(String(digits[start..<end]), at: 0)
      end = start
    }
    return (whole < 0 ? "-" : "") + groups.joined(separator: ",")
  }

  private static func pow10(_ digits: Int) -> Double { (0..<digits).reduce(1.0) { value, _ in value * 10 } }

  private static func trimmed(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }
}
