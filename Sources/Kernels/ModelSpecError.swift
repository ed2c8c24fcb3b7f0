/// Why a spec is not a valid network: each case names the layer at fault and reads as one line.
public enum ModelSpecError: Error, Equatable, CustomStringConvertible {
  case emptyNetwork(model: String)
  case duplicateLayer(String)
  /// A layer reads a name that no earlier layer has.
  case unknownInput(layer: String, input: String)
  case wrongInputCount(layer: String, expected: String, found: Int)
  /// A kernel, stride, group count or output count that is zero or negative.
  case nonPositiveSize(layer: String, what: String, value: Int)
  /// Channels that the group count does not divide.
  case indivisibleGroups(layer: String, channels: Int, groups: Int)
  /// A window (with its padding) that does not fit in the input, or padding not smaller than it.
  case windowDoesNotFit(layer: String, input: Shape, window: Extent, padding: Extent)
  /// Concatenated inputs whose height × width differ.
  case mismatchedConcat(layer: String, shapes: [Shape])
  /// Summed inputs whose shapes differ.
  case mismatchedSum(layer: String, shapes: [Shape])
  /// A loss whose input does not have one value per class.
  case classCountMismatch(layer: String, classes: Int, input: Shape)

  public var description: String {
    switch self {
    case .emptyNetwork(let model):
      return "model '\(model)' has no layers"
    case .duplicateLayer(let name):
      return "layer name '\(name)' is used twice"
    case .unknownInput(let layer, let input):
      return "layer '\(layer)' reads '\(input)', which is not an earlier layer"
    case .wrongInputCount(let layer, let expected, let found):
      return "layer '\(layer)' needs \(expected) input(s), has \(found)"
    case .nonPositiveSize(let layer, let what, let value):
      return "layer '\(layer)' has \(what) \(value); it must be positive"
    case .indivisibleGroups(let layer, let channels, let groups):
      return "layer '\(layer)': \(channels) channels do not split into \(groups) groups"
    case .windowDoesNotFit(let layer, let input, let window, let padding):
      return
        "layer '\(layer)': window \(window.h)×\(window.w) with padding \(padding.h)×\(padding.w)"
        + " does not fit input \(input)"
    case .mismatchedConcat(let layer, let shapes):
      return
        "layer '\(layer)' concatenates inputs of different height × width: "
        + shapes.map(\.description).joined(separator: ", ")
    case .mismatchedSum(let layer, let shapes):
      return
        "layer '\(layer)' sums inputs of different shapes: "
        + shapes.map(\.description).joined(separator: ", ")
    case .classCountMismatch(let layer, let classes, let input):
      return "loss '\(layer)' expects \(classes) class scores, its input is \(input)"
    }
  }
}
