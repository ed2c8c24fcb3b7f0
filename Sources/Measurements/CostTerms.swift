/// The counts of a Hockney-style cost model, T = alpha·α + beta·β + gamma·γ: `alpha` messages
/// (α seconds each), `beta` bytes sent (β seconds per byte) and `gamma` bytes reduced (γ seconds
/// per byte), along the longest chain of dependent steps (`AllreduceKind.cost`).
public struct CostTerms: Equatable, Sendable, CustomStringConvertible {
  public var alpha: Double
  public var beta: Double
  public var gamma: Double

  public init(alpha: Double, beta: Double, gamma: Double) {
    self.alpha = alpha
    self.beta = beta
    self.gamma = gamma
  }

  public static let zero = CostTerms(alpha: 0, beta: 0, gamma: 0)

  /// The predicted time for given α (s), β (s/byte) and γ (s/byte).
  public func time(alpha a: Double, beta b: Double, gamma g: Double) -> Double {
    alpha * a + beta * b + gamma * g
  }

  /// The average bytes per message: β-term bytes over α-term messages (n/p for ring).
  public var messageBytes: Double { alpha > 0 ? beta / alpha : 0 }

  /// The terms of two schedules run one after the other.
  public static func + (a: CostTerms, b: CostTerms) -> CostTerms {
    CostTerms(alpha: a.alpha + b.alpha, beta: a.beta + b.beta, gamma: a.gamma + b.gamma)
  }

  public var description: String { "\(alpha)α + \(beta)β + \(gamma)γ" }
}
