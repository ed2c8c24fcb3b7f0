import Foundation

/// The fitted scaling laws of one model and scaling mode (weak or strong) from `models.json`,
/// with the predictions made from them. Every law is optional.
public struct ScalingFit: Sendable {
  /// A scaling law as efficiency against rank count: E(N) = speedup(N) / N.
  public enum Law: Sendable {
    /// Amdahl, serial fraction s: S(N) = 1 / (s + (1 − s)/N).
    case amdahl(serialFraction: Double)
    /// Gustafson, serial fraction s: S(N) = N − s(N − 1).
    case gustafson(serialFraction: Double)
    /// Universal Scalability Law: C(N) = N / (1 + σ(N − 1) + κN(N − 1)).
    case universalScalability(sigma: Double, kappa: Double)

    public var name: String {
      switch self {
      case .amdahl: "Amdahl"
      case .gustafson: "Gustafson"
      case .universalScalability: "USL"
      }
    }

    /// Efficiency at `ranks` (a real number, so that curves are smooth between rank counts).
    public func efficiency(ranks: Double) -> Double {
      let n = ranks
      switch self {
      case .amdahl(let s): return 1 / (s + (1 - s) / n) / n
      case .gustafson(let s): return (n - s * (n - 1)) / n
      case .universalScalability(let sigma, let kappa): return 1 / (1 + sigma * (n - 1) + kappa * n * (n - 1))
      }
    }
  }

  /// A predicted point: throughput or step time at a rank count, with an error band if given.
  public struct Prediction: Sendable {
    public var ranks: Int
    public var samplesPerS: Double?
    public var stepMs: Double?
    public var low: Double?
    public var high: Double?
  }

  public var model: String
  public var scaling: String
  /// Batch per rank (weak) or global batch (strong) of the curve fitted, when the file says.
  public var batch: Int?
  /// How the ranks of the curve fitted communicated (`Record.trainingSetup`), when the file says.
  public var setup: String?
  public var laws: [(law: Law, mape: Double?)]
  public var predictions: [Prediction]

  public init(
    model: String, scaling: String, batch: Int? = nil, setup: String? = nil, laws: [(law: Law, mape: Double?)],
    predictions: [Prediction] = []
  ) {
    self.model = model
    self.scaling = scaling
    self.batch = batch
    self.setup = setup
    self.laws = laws
    self.predictions = predictions
  }

  init?(loose object: [String: Any], sharedPredictions: [[String: Any]]) {
    guard let model = LooseJSON.string(object, "model"), let scaling = LooseJSON.string(object, "scaling") else {
      return nil
    }
    self.model = model
    self.scaling = scaling
    batch = LooseJSON.number(object, "batch").flatMap { Int(exactly: $0) }
    setup = LooseJSON.string(object, "setup")
    // Fits may sit under "fits" (an object keyed by law, or an array naming it) or at the top.
    var candidates: [(String, [String: Any])] = []
    if let fits = object["fits"] as? [String: Any] {
      for (key, value) in fits { if let fit = value as? [String: Any] { candidates.append((key, fit)) } }
    } else if let fits = object["fits"] as? [[String: Any]] {
      for fit in fits { candidates.append((LooseJSON.string(fit, "law", "kind", "name", "model") ?? "", fit)) }
    }
    for key in ["amdahl", "gustafson", "usl", "universal_scalability"] {
      if let fit = object[key] as? [String: Any] { candidates.append((key, fit)) }
    }
    laws = candidates.sorted { $0.0 < $1.0 }.compactMap { name, fit in
      let mape = LooseJSON.number(fit, "mape", "mape_percent")
      switch name.lowercased() {
      case "amdahl":
        return LooseJSON.number(fit, "serial_fraction", "s").map { (Law.amdahl(serialFraction: $0), mape) }
      case "gustafson":
        return LooseJSON.number(fit, "serial_fraction", "s").map { (Law.gustafson(serialFraction: $0), mape) }
      case "usl", "universal_scalability":
        guard let sigma = LooseJSON.number(fit, "sigma"), let kappa = LooseJSON.number(fit, "kappa") else { return nil }
        return (Law.universalScalability(sigma: sigma, kappa: kappa), mape)
      default:
        return nil
      }
    }
    let own = LooseJSON.objects(object["predictions"])
    let shared = sharedPredictions.filter {
      LooseJSON.string($0, "model") == model && LooseJSON.string($0, "scaling") == scaling
    }
    predictions = (own + shared).compactMap(Self.prediction)
  }

  static func prediction(_ object: [String: Any]) -> Prediction? {
    guard let ranks = LooseJSON.number(object, "ranks", "nodes", "p") else { return nil }
    var stepMs = LooseJSON.number(object, "step_ms")
    if stepMs == nil, let seconds = LooseJSON.number(object, "step_s") { stepMs = seconds * 1000 }
    let samples = LooseJSON.number(object, "samples_per_s", "throughput")
    guard samples != nil || stepMs != nil else { return nil }
    var low = LooseJSON.number(object, "samples_per_s_low", "low", "lower")
    var high = LooseJSON.number(object, "samples_per_s_high", "high", "upper")
    if low == nil, high == nil, let value = samples ?? stepMs,
      let error = LooseJSON.number(object, "error_percent", "mape", "mape_percent")
    {
      low = value * (1 - error / 100)
      high = value * (1 + error / 100)
    }
    return Prediction(ranks: Int(ranks), samplesPerS: samples, stepMs: stepMs, low: low, high: high)
  }
}
