/// Why a model could not be fitted or used; each description is one line a user can act on.
public enum FittingError: Error, Equatable, CustomStringConvertible, Sendable {
  /// Fewer usable points than the model has parameters (or than cross-validation needs).
  case tooFewPoints(model: String, needed: Int, found: Int)
  /// A point with a value the model cannot use (NaN, infinite, zero or negative where it must
  /// be positive).
  case invalidPoint(model: String, detail: String)
  /// The points do not determine the parameters (e.g. every point at the same size).
  case singular(model: String)
  /// A prediction asked for something the fitted models do not cover.
  case notCovered(String)

  public var description: String {
    switch self {
    case .tooFewPoints(let model, let needed, let found):
      "\(model): too few points to fit (need at least \(needed), have \(found))"
    case .invalidPoint(let model, let detail):
      "\(model): unusable point: \(detail)"
    case .singular(let model):
      "\(model): the points do not determine the parameters (all at the same size or rank count?)"
    case .notCovered(let detail):
      detail
    }
  }
}
