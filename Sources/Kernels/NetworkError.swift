/// Why a spec cannot be instantiated as a network.
public enum NetworkError: Error, CustomStringConvertible, Equatable {
  case invalidLayer(String, String)
  case unknownInput(layer: String, input: String)
  case duplicateName(String)
  case missingLoss(String)
  case invalidBatch(Int)

  public var description: String {
    switch self {
    case .invalidLayer(let layer, let reason): "layer \(layer): \(reason)"
    case .unknownInput(let layer, let input): "layer \(layer) reads \(input), which is not an earlier layer"
    case .duplicateName(let name): "two layers are named \(name)"
    case .missingLoss(let model): "model \(model) must end with one softmaxCrossEntropy layer"
    case .invalidBatch(let batch): "batch size must be positive, got \(batch)"
    }
  }
}
