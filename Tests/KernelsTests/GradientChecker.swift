import Testing

@testable import Kernels

/// Checks a layer's analytic gradients against central finite differences of the scalar
/// L = Σᵢ rᵢ·yᵢ (fixed random weights r), evaluated in float32 and summed in float64.
///
/// Tolerance, from the computation: the central difference has truncation error O(h²·|L'''|)
/// (covered by a relative bound of 1e-2 at h = 1e-2 on inputs of order one), and each float32
/// evaluation of L carries roundoff of at most about `depth`·ε·Σ|rᵢ|·(|yᵢ| + 1), where `depth`
/// bounds the length of the float32 sums behind one output; divided by 2h that gives the
/// absolute part.
struct GradientChecker {
  var step: Float = 1e-2
  var relativeTolerance = 1e-2
  var depth = 64.0

  /// A layer and its tensors, ready to run.
  struct Case {
    var layer: any Layer
    var inputs: [Tensor]
    var output: Tensor
    var context: ComputeContext
  }

  static func make(
    _ kind: LayerKind, inputs shapes: [Shape], batch: Int = 2, seed: UInt64 = 7, threads: Int = 1,
    fill: (Tensor, inout SeededGenerator) -> Void = { $0.fillUniform(in: -1...1, using: &$1) }
  ) throws -> Case {
    var generator = SeededGenerator(seed: seed)
    let layer = try LayerFactory.make(
      LayerSpec(name: "layer", inputs: [], kind: kind), inputs: shapes, batch: batch, generator: &generator)
    return make(layer, inputs: shapes, batch: batch, threads: threads, generator: &generator, fill: fill)
  }

  /// A case around an already built layer.
  static func make(
    _ layer: any Layer, inputs shapes: [Shape], batch: Int, threads: Int = 1, generator: inout SeededGenerator,
    fill: (Tensor, inout SeededGenerator) -> Void = { $0.fillUniform(in: -1...1, using: &$1) }
  ) -> Case {
    let workspace = Workspace()
    if let convolution = layer as? Convolution { workspace.reserve(convolution.workspaceCount) }
    let inputs = shapes.map { Tensor(batch: batch, shape: $0) }
    for input in inputs { fill(input, &generator) }
    // Parameters away from their defaults, so that gamma ≠ 1, biases ≠ 0 are exercised.
    for parameter in layer.parameters where parameter.trainable {
      parameter.value.fillUniform(in: -1...1, using: &generator)
    }
    return Case(
      layer: layer, inputs: inputs, output: Tensor(batch: batch, shape: layer.outputShape),
      context: ComputeContext(threads: threads, workspace: workspace))
  }

  /// Compares every input and trainable-parameter gradient element with finite differences,
  /// and checks that backward with `accumulate` adds to what the gradients held.
  func check(_ testCase: Case, sourceLocation: SourceLocation = #_sourceLocation) {
    let layer = testCase.layer
    let inputs = testCase.inputs
    let output = testCase.output
    let context = testCase.context
    var generator = SeededGenerator(seed: 99)
    let weights = Tensor(batch: output.batch, shape: output.shape)
    if layer is SoftmaxCrossEntropy {
      weights.fill(with: 1 / Float(output.batch))  // its backward is the gradient of the mean loss
    } else {
      weights.fillUniform(in: -1...1, using: &generator)
    }
    func objective() -> (value: Double, noise: Double) {
      layer.forward(inputs, into: output, context: context)
      var value = 0.0
      var magnitude = 0.0
      for index in 0..<output.count {
        value += Double(weights[index]) * Double(output[index])
        magnitude += Double(abs(weights[index])) * (Double(abs(output[index])) + 1)
      }
      return (value, depth * Double(Float.ulpOfOne) * magnitude)
    }
    _ = objective()
    // Stale values where the gradients go: backward without `accumulate` must overwrite them all.
    let inputGradients = inputs.map { Tensor(batch: $0.batch, shape: $0.shape) }
    for gradient in inputGradients { gradient.fill(with: 1e4) }
    layer.backward(
      inputs, output: output, outputGradient: weights, inputGradients: inputGradients,
      accumulate: inputs.map { _ in false }, context: context)
    let analyticInputs = inputGradients.map(\.values)
    let parameters = layer.parameters.filter(\.trainable)
    let analyticParameters = parameters.map { $0.gradient!.values }

    func compare(_ tensor: Tensor, _ analytic: [Float], label: String) {
      var failures = 0
      for index in 0..<tensor.count {
        let original = tensor[index]
        tensor[index] = original + step
        let plus = objective()
        tensor[index] = original - step
        let minus = objective()
        tensor[index] = original
        let numeric = (plus.value - minus.value) / (2 * Double(step))
        let exact = Double(analytic[index])
        let bound = relativeTolerance * max(abs(numeric), abs(exact)) + (plus.noise + minus.noise) / (2 * Double(step))
        if abs(numeric - exact) > bound {
          failures += 1
          if failures <= 3 {
            Issue.record(
              "\(label)[\(index)]: analytic \(exact), finite difference \(numeric), bound \(bound)",
              sourceLocation: sourceLocation)
          }
        }
      }
      #expect(
        failures == 0, "\(label): \(failures) of \(tensor.count) elements outside the bound",
        sourceLocation: sourceLocation)
    }
    for (index, input) in inputs.enumerated() { compare(input, analyticInputs[index], label: "input \(index)") }
    for (index, parameter) in parameters.enumerated() {
      compare(parameter.value, analyticParameters[index], label: parameter.name)
    }

    // Accumulating backward adds the same gradient onto what was there.
    _ = objective()
    for gradient in inputGradients { gradient.fill(with: 0.5) }
    layer.backward(
      inputs, output: output, outputGradient: weights, inputGradients: inputGradients,
      accumulate: inputs.map { _ in true }, context: context)
    for (index, gradient) in inputGradients.enumerated() {
      let largest = zip(gradient.values, analyticInputs[index]).map { abs(Double($0) - 0.5 - Double($1)) }.max() ?? 0
      #expect(
        largest <= 1e-5 * (1 + (analyticInputs[index].map { abs(Double($0)) }.max() ?? 0)),
        "input \(index): accumulating backward differs from 0.5 + gradient by \(largest)",
        sourceLocation: sourceLocation)
    }
  }
}
