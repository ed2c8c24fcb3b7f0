/// α, β, γ of one allreduce algorithm fitted across all rank counts at once (linear least
/// squares on `CollectiveCostTerms`, weighted by 1/T, α, β, γ ≥ 0).
///
/// Within one algorithm the β and γ terms are proportional (ring: 2:1 for every p and n), so
/// they cannot be told apart from that algorithm's points alone. `fitAll` therefore first fits
/// one γ shared by every algorithm (with an α per algorithm and a shared β), which is
/// identifiable once two algorithms with different β:γ ratios were measured (e.g. ring and
/// recursive doubling); each algorithm's α and β are then fitted with that γ fixed. Without such
/// a pair γ is 0 and β carries the whole per-byte cost.
public struct StructuralCollectiveModel: Codable, Sendable, Equatable {
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

  public func seconds(ranks: Int, bytes: Int) -> Double {
    let terms = CollectiveCostTerms(algorithm: algorithm, ranks: ranks, bytes: bytes)
    return terms.latency * alphaS + terms.transfer * betaSPerByte + terms.reduction * gammaSPerByte
  }

  /// The shared γ (seconds per reduced byte), or nil when no two algorithms separate it.
  public static func sharedReductionCost(_ timings: [CollectiveTiming]) -> Double? {
    let usable = timings.filter { $0.ranks > 1 }
    let algorithms = Set(usable.map(\.algorithm)).sorted()
    guard algorithms.count >= 2 else { return nil }
    let rows = usable.map { timing -> [Double] in
      let terms = CollectiveCostTerms(algorithm: timing.algorithm, ranks: timing.ranks, bytes: timing.bytes)
      var row = algorithms.map { $0 == timing.algorithm ? terms.latency : 0 }
      row += [terms.transfer, terms.reduction]
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
    var rows: [[Double]] = []
    var remainders: [Double] = []
    var weights: [Double] = []
    for timing in usable {
      let terms = CollectiveCostTerms(algorithm: algorithm, ranks: timing.ranks, bytes: timing.bytes)
      rows.append([terms.latency, terms.transfer])
      remainders.append(timing.seconds - gamma * terms.reduction)
      weights.append(1 / timing.seconds)
    }
    let problem = LinearLeastSquares(rows: rows, values: remainders, weights: weights)
    guard let solution = problem.solveNonNegative() else { throw FittingError.singular(model: name) }
    return StructuralCollectiveModel(
      algorithm: algorithm, alphaS: solution[0], betaSPerByte: solution[1], gammaSPerByte: gamma,
      usesRingTerms: CollectiveCostTerms.usesRingTerms(algorithm),
      rankCounts: Set(usable.map(\.ranks)).sorted(), points: usable.count, mape: nil)
  }

  static func order(_ algorithm: String) -> Int {
    ["mpi", "ring", "recursive-doubling", "rabenseifner", "binomial", "hierarchical"].firstIndex(of: algorithm) ?? 99
  }
}
