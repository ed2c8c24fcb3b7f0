import CSVM
import Foundation

/// ε-support vector regression with an RBF kernel, trained by libsvm; the trained model (support
/// vectors, coefficients, bias and kernel width) is kept in Swift so that it can be stored in
/// models.json and evaluated without libsvm:
/// f(x) = Σᵢ coefᵢ · exp(−γ‖svᵢ − x‖²) − ρ.
public struct SupportVectorRegression: Codable, Sendable, Equatable {
  public var supportVectors: [[Double]]
  public var coefficients: [Double]
  public var rho: Double
  public var gamma: Double

  /// Hyperparameters: C (penalty), ε (tube half-width, in target units), γ (RBF width; nil for
  /// 1 / number of features, libsvm's default).
  public struct Parameters: Sendable {
    public var cost: Double = 10
    public var epsilon: Double = 0.02
    public var gamma: Double? = nil
    public init() {}
  }

  public func predict(_ x: [Double]) -> Double {
    var sum = -rho
    for (vector, coefficient) in zip(supportVectors, coefficients) {
      var distance = 0.0
      for (a, b) in zip(vector, x) { distance += (a - b) * (a - b) }
      sum += coefficient * Foundation.exp(-gamma * distance)
    }
    return sum
  }

  /// Trains on rows of features (all the same length) and their targets.
  public static func train(
    features: [[Double]], targets: [Double], parameters: Parameters = Parameters()
  ) throws -> SupportVectorRegression {
    let name = "support vector regression"
    guard features.count >= 2, features.count == targets.count else {
      throw FittingError.tooFewPoints(model: name, needed: 2, found: features.count)
    }
    let width = features[0].count
    guard width > 0, features.allSatisfy({ $0.count == width && $0.allSatisfy(\.isFinite) }),
      targets.allSatisfy(\.isFinite)
    else { throw FittingError.invalidPoint(model: name, detail: "features must be finite and of equal length") }
    svm_set_print_string_function { _ in }

    // libsvm reads sparse rows terminated by index −1; the model points into them, so they live
    // until the model has been copied out.
    let stride = width + 1
    let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: features.count * stride)
    defer { nodes.deallocate() }
    let rows = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: features.count)
    defer { rows.deallocate() }
    let values = UnsafeMutablePointer<Double>.allocate(capacity: targets.count)
    defer { values.deallocate() }
    for (i, row) in features.enumerated() {
      for (j, value) in row.enumerated() { nodes[i * stride + j] = svm_node(index: Int32(j + 1), value: value) }
      nodes[i * stride + width] = svm_node(index: -1, value: 0)
      rows[i] = nodes + i * stride
      values[i] = targets[i]
    }
    var problem = svm_problem(l: Int32(features.count), y: values, x: rows)
    var parameter = svm_parameter()
    parameter.svm_type = Int32(EPSILON_SVR)
    parameter.kernel_type = Int32(RBF)
    parameter.gamma = parameters.gamma ?? 1 / Double(width)
    parameter.cache_size = 64
    parameter.eps = 1e-4
    parameter.C = parameters.cost
    parameter.p = parameters.epsilon
    parameter.shrinking = 1
    parameter.probability = 0
    if let message = svm_check_parameter(&problem, &parameter) {
      throw FittingError.invalidPoint(model: name, detail: String(cString: message))
    }
    guard let model = svm_train(&problem, &parameter) else { throw FittingError.singular(model: name) }
    defer {
      var pointer: UnsafeMutablePointer<svm_model>? = model
      svm_free_and_destroy_model(&pointer)
    }
    let count = Int(model.pointee.l)
    var vectors: [[Double]] = []
    var coefficients: [Double] = []
    for i in 0..<count {
      var vector = [Double](repeating: 0, count: width)
      var node = model.pointee.SV[i]!
      while node.pointee.index != -1 {
        vector[Int(node.pointee.index) - 1] = node.pointee.value
        node += 1
      }
      vectors.append(vector)
      coefficients.append(model.pointee.sv_coef[0]![i])
    }
    return SupportVectorRegression(
      supportVectors: vectors, coefficients: coefficients, rho: model.pointee.rho[0], gamma: parameter.gamma)
  }
}
