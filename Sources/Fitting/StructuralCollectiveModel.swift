import Measurements

/// α, β, γ of one allreduce algorithm fitted across all rank counts at once (linear least
/// squares on `AllreduceKind.modelledCost`, weighted by 1/T, α, β, γ ≥ 0).
///
/// Within one algorithm the β and γ terms are proportional (ring: 2:1 for every p and n), so
/// they cannot be told apart from that algorithm's points alone. `fitAll` therefore first fits
/// one γ shared by every algorithm (with an α per algorithm and a shared β), which is
/// identifiable once two algorithms with different β:γ ratios were measured (e.g. ring and
/// recursive doubling); each algorithm's α and β are then fitted with that γ fixed. Without such
/// a pair γ is 0 and β carries the whole per-byte cost.
///
/// Piecewise where the protocol changes: OpenMPI's TCP transport sends a message of up to 64 KiB
/// eagerly and a larger one after a rendezvous handshake, and a link's token bucket lets the
/// first burst of each message through at once, so a step's cost is not the same line on both
/// sides. With points on both sides, α and β are also fitted separately for steps whose average
/// message (β-term bytes over α-term messages: n/p for ring) is at most the eager limit and for
/// the rest; `seconds` then uses the piece of the step's message size. `alphaS` and
/// `betaSPerByte` stay the single fit over all points (what overrides replace).
public struct StructuralCollectiveModel: Codable, Sendable, Equatable {
  /// α and β for steps whose average message is at most `maximumMessageBytes` (nil: any size).
  public struct Piece: Codable, Sendable, Equatable {
    public var maximumMessageBytes: Int?
    public var alphaS: Double
    public var betaSPerByte: Double
  }

  public var algorithm: String
  public var alphaS: Double
  public var betaSPerByte: Double
  public var gammaSPerByte: Double
  /// True when the algorithm is modelled with ring's terms (hierarchical, mpi).
  public var usesRingTerms: Bool
  public var rankCounts: [Int]
  public var points: Int
  /// Leave-one-rank-count-out MAPE, percent; nil with fewer than two rank counts.
  public var mape: Double?
  /// Hockney fits of this algorithm, one per measured rank count.
  public var hockney: [HockneyModel]?
  /// α and β below and above the eager limit; nil when the points were all on one side (or α
  /// or β was given instead of fitted).
  public var pieces: [Piece]?

  /// The algorithm this model prices, nil for a name this dlscale does not know.
  public var kind: AllreduceKind? { AllreduceKind(name: algorithm) }

  public func seconds(ranks: Int, bytes: Int) -> Double {
    let terms = Self.terms(algorithm, ranks: ranks, bytes: bytes)
    var (alpha, beta) = (alphaS, betaSPerByte)
    if let pieces, let piece = Self.piece(of: terms, in: pieces) { (alpha, beta) = (piece.alphaS, piece.betaSPerByte) }
    return terms.time(alpha: alpha, beta: beta, gamma: gammaSPerByte)
  }

  /// The cost terms the fits and `predict` price `algorithm` with: `AllreduceKind.modelledCost`,
  /// ring's for a name this dlscale does not know.
  public static func terms(_ algorithm: String, ranks: Int, bytes: Int) -> CostTerms {
    (AllreduceKind(name: algorithm) ?? .mpi).modelledCost(ranks: ranks, bytes: bytes)
  }

  /// Whether `algorithm` is priced with ring's terms.
  public static func usesRingTerms(_ algorithm: String) -> Bool {
    AllreduceKind(name: algorithm)?.usesRingTerms ?? true
  }

  /// The piece for a step's average message size (`CostTerms.messageBytes`).
  public static func piece(of terms: CostTerms, in pieces: [Piece]) -> Piece? {
    let size = terms.messageBytes
    return pieces.first { $0.maximumMessageBytes.map { size <= Double($0) } ?? true } ?? pieces.last
  }

  /// The shared γ (seconds per reduced byte), or nil when no two algorithms separate it.
  public static func sharedReductionCost(_ timings: [CollectiveTiming]) -> Double? {
    let usable = timings.filter { $0.ranks > 1 }
    let algorithms = Set(usable.map(\.algorithm)).sorted()
    guard algorithms.count >= 2 else { return nil }
    let rows = usable.map { timing -> [Double] in
      let terms = Self.terms(timing.algorithm, ranks: timing.ranks, bytes: timing.bytes)
      var row = algorithms.map { $0 == timing.algorithm ? terms.alpha : 0 }
      row += [terms.beta, terms.gamma]
      return row
    }
    guard rows.count > algorithms.count + 2, algorithms.count + 2 <= 12 else { return nil }
    let problem = LinearLeastSquares.relative(rows: rows, values: usable.map(\.seconds))
    // Identifiable only if the unconstrained system is determined.
    guard problem.solve() != nil, let solution = problem.solveNonNegative() else { return nil }
    return solution.last
  }

  /// Fits every algorithm present in `timings` that has enough points; the failures are
  /// returned beside the models.
  public static func fitAll(_ timings: [CollectiveTiming]) -> (
    models: [StructuralCollectiveModel], errors: [FittingError]
  ) {
    let gamma = sharedReductionCost(timings) ?? 0
    var models: [StructuralCollectiveModel] = []
    var errors: [FittingError] = []
    let algorithms = Set(timings.map(\.algorithm)).sorted { order($0) < order($1) }
    for algorithm in algorithms {
      do {
        models.append(try fit(timings.filter { $0.algorithm == algorithm }, reductionCost: gamma))
      } catch let error as FittingError {
        errors.append(error)
      } catch {
        errors.append(.singular(model: "allreduce \(algorithm)"))
      }
    }
    return (models, errors)
  }

  /// Fits α and β of one algorithm with γ fixed, plus its leave-one-rank-count-out MAPE.
  public static func fit(_ timings: [CollectiveTiming], reductionCost gamma: Double) throws -> StructuralCollectiveModel
  {
    let usable = timings.filter { $0.ranks > 1 }
    let algorithm = timings.first?.algorithm ?? "?"
    var model = try fitWithoutError(usable, algorithm: algorithm, gamma: gamma)
    model.mape = MeanAbsolutePercentageError.leaveOneGroupOut(
      usable, group: \.ranks, observed: \.seconds,
      fit: { try fitWithoutError($0, algorithm: algorithm, gamma: gamma) },
      predict: { $0.seconds(ranks: $1.ranks, bytes: $1.bytes) })
    return model
  }

  static func fitWithoutError(_ usable: [CollectiveTiming], algorithm: String, gamma: Double) throws
    -> StructuralCollectiveModel
  {
    let name = "allreduce \(algorithm) (α, β, γ)"
    guard usable.count >= 2 else { throw FittingError.tooFewPoints(model: name, needed: 2, found: usable.count) }
    let (alpha, beta) = try solve(usable, algorithm: algorithm, gamma: gamma, name: name)
    var model = StructuralCollectiveModel(
      algorithm: algorithm, alphaS: alpha, betaSPerByte: beta, gammaSPerByte: gamma,
      usesRingTerms: Self.usesRingTerms(algorithm),
      rankCounts: Set(usable.map(\.ranks)).sorted(), points: usable.count, mape: nil)
    let limit = HockneyModel.eagerLimitBytes
    let eager = usable.filter {
      terms(algorithm, ranks: $0.ranks, bytes: $0.bytes).messageBytes <= Double(limit)
    }
    let rendezvous = usable.filter {
      terms(algorithm, ranks: $0.ranks, bytes: $0.bytes).messageBytes > Double(limit)
    }
    if eager.count >= 2, rendezvous.count >= 2,
      let small = try? solve(eager, algorithm: algorithm, gamma: gamma, name: name),
      let large = try? solve(rendezvous, algorithm: algorithm, gamma: gamma, name: name)
    {
      model.pieces = [
        Piece(maximumMessageBytes: limit, alphaS: small.alpha, betaSPerByte: small.beta),
        Piece(maximumMessageBytes: nil, alphaS: large.alpha, betaSPerByte: large.beta),
      ]
    }
    return model
  }

  /// α and β (non-negative) of the points, weighted by 1/T, with γ fixed.
  static func solve(_ usable: [CollectiveTiming], algorithm: String, gamma: Double, name: String) throws -> (
    alpha: Double, beta: Double
  ) {
    var rows: [[Double]] = []
    var remainders: [Double] = []
    var weights: [Double] = []
    for timing in usable {
      let terms = Self.terms(algorithm, ranks: timing.ranks, bytes: timing.bytes)
      rows.append([terms.alpha, terms.beta])
      remainders.append(timing.seconds - gamma * terms.gamma)
      weights.append(1 / timing.seconds)
    }
    let problem = LinearLeastSquares(rows: rows, values: remainders, weights: weights)
    guard let solution = problem.solveNonNegative() else { throw FittingError.singular(model: name) }
    return (solution[0], solution[1])
  }

  static func order(_ algorithm: String) -> Int {
    AllreduceKind(name: algorithm).flatMap { AllreduceKind.allCases.firstIndex(of: $0) } ?? 99
  }
}
