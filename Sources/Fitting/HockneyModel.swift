/// Hockney's model of one algorithm at one rank count, T(n) = a + b·n, fitted piecewise: OpenMPI
/// over TCP sends messages up to its eager limit (64 KiB) at once and larger ones after a
/// rendezvous, so latency and per-byte cost change there. Each piece is fitted on its own by
/// least squares weighted by 1/T (relative error), with a, b ≥ 0.
public struct HockneyModel: Codable, Sendable, Equatable {
  /// One size range and its line.
  public struct Piece: Codable, Sendable, Equatable {
    /// Smallest size of the range, bytes (inclusive).
    public var fromBytes: Int
    /// Largest size of the range, bytes (exclusive); nil for no end.
    public var toBytes: Int?
    public var latencyS: Double
    public var secondsPerByte: Double
    public var points: Int

    public func seconds(bytes: Int) -> Double { latencyS + secondsPerByte * Double(bytes) }
  }

  /// Where the pieces meet.
  public enum Breakpoint: Sendable {
    /// OpenMPI's TCP eager limit, 64 KiB.
    case eagerLimit
    /// The size (between two measured sizes) that minimises the summed weighted residual.
    case chosenByData
  }

  /// OpenMPI's `btl_tcp_eager_limit` default.
  public static let eagerLimitBytes = 65_536

  public var algorithm: String
  public var ranks: Int
  public var pieces: [Piece]
  /// Leave-one-size-out MAPE within this rank count, percent; nil with too few sizes.
  public var mape: Double?

  public func seconds(bytes: Int) -> Double {
    let piece = pieces.last { $0.fromBytes <= bytes } ?? pieces[0]
    return piece.seconds(bytes: bytes)
  }

  /// Fits one algorithm at one rank count. Needs two distinct sizes; a side of the breakpoint
  /// with fewer than two sizes is merged into the other piece.
  public static func fit(
    _ timings: [CollectiveTiming], breakpoint: Breakpoint = .eagerLimit
  ) throws -> HockneyModel {
    guard let first = timings.first else {
      throw FittingError.tooFewPoints(model: "Hockney", needed: 2, found: 0)
    }
    let name = "Hockney \(first.algorithm) at \(first.ranks) ranks"
    let sizes = Set(timings.map(\.bytes)).sorted()
    guard sizes.count >= 2 else {
      throw FittingError.tooFewPoints(model: name, needed: 2, found: sizes.count)
    }
    var pieces: [Piece]
    switch breakpoint {
    case .eagerLimit:
      pieces = try fitPieces(timings, splitAt: eagerLimitBytes, name: name)
    case .chosenByData:
      var best: (Double, [Piece])?
      for split in sizes.dropFirst() {
        guard let candidate = try? fitPieces(timings, splitAt: split, name: name) else { continue }
        let residual = Self.relativeResidual(candidate, timings)
        if best == nil || residual < best!.0 { best = (residual, candidate) }
      }
      guard let chosen = best?.1 else { throw FittingError.singular(model: name) }
      pieces = chosen
    }
    var model = HockneyModel(algorithm: first.algorithm, ranks: first.ranks, pieces: pieces)
    if sizes.count >= 3 {
      model.mape = MeanAbsolutePercentageError.leaveOneGroupOut(
        timings, group: \.bytes, observed: \.seconds,
        fit: { try fitPieces($0, splitAt: pieces.count > 1 ? pieces[1].fromBytes : Int.max, name: name) },
        predict: { pieces, timing in HockneyModel(algorithm: "", ranks: 0, pieces: pieces).seconds(bytes: timing.bytes)
        })
    }
    return model
  }

  static func fitPieces(_ timings: [CollectiveTiming], splitAt split: Int, name: String) throws -> [Piece] {
    let below = timings.filter { $0.bytes < split }
    let above = timings.filter { $0.bytes >= split }
    let distinctBelow = Set(below.map(\.bytes)).count
    let distinctAbove = Set(above.map(\.bytes)).count
    if distinctBelow >= 2 && distinctAbove >= 2 {
      return [try fitLine(below, from: 0, to: split, name: name), try fitLine(above, from: split, to: nil, name: name)]
    }
    return [try fitLine(timings, from: 0, to: nil, name: name)]
  }

  static func fitLine(_ timings: [CollectiveTiming], from: Int, to: Int?, name: String) throws -> Piece {
    guard Set(timings.map(\.bytes)).count >= 2 else {
      throw FittingError.tooFewPoints(model: name, needed: 2, found: Set(timings.map(\.bytes)).count)
    }
    let problem = LinearLeastSquares.relative(
      rows: timings.map { [1, Double($0.bytes)] }, values: timings.map(\.seconds))
    guard let solution = problem.solveNonNegative() else { throw FittingError.singular(model: name) }
    return Piece(
      fromBytes: from, toBytes: to, latencyS: solution[0], secondsPerByte: solution[1], points: timings.count)
  }

  static func relativeResidual(_ pieces: [Piece], _ timings: [CollectiveTiming]) -> Double {
    let model = HockneyModel(algorithm: "", ranks: 0, pieces: pieces)
    return timings.map {
      let r = (model.seconds(bytes: $0.bytes) - $0.seconds) / $0.seconds
      return r * r
    }
    .reduce(0, +)
  }
}
