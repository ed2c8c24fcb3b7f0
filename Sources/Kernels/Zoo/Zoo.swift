/// The reference model zoo: the eleven networks of the Deep Learning Benchmarking Suite, as
/// specs, by the names commands take (`--model resnet50`).
public enum Zoo {
  /// Every model's name, in the order reports list them.
  public static let names = [
    "alexnet", "googlenet", "vgg16", "vgg19", "resnet50", "resnet101", "resnet152", "acoustic",
    "textcnn", "deepmnist", "sensornet",
  ]

  /// The spec of the model called `name`.
  /// - Throws: `ZooError.unknownModel` listing the known names.
  public static func spec(named name: String) throws -> ModelSpec {
    switch name {
    case "alexnet": return AlexNet.spec()
    case "googlenet": return GoogleNet.spec()
    case "vgg16": return VGG.vgg16()
    case "vgg19": return VGG.vgg19()
    case "resnet50": return ResNet.resnet50()
    case "resnet101": return ResNet.resnet101()
    case "resnet152": return ResNet.resnet152()
    case "acoustic": return FullyConnectedModels.acoustic()
    case "textcnn": return TextCNN.spec()
    case "deepmnist": return FullyConnectedModels.deepMNIST()
    case "sensornet": return FullyConnectedModels.sensorNet()
    default: throw ZooError.unknownModel(name)
    }
  }
}

/// A model name the zoo does not have.
public enum ZooError: Error, Equatable, CustomStringConvertible {
  case unknownModel(String)

  public var description: String {
    switch self {
    case .unknownModel(let name):
      return "unknown model '\(name)'; known models: \(Zoo.names.joined(separator: ", "))"
    }
  }
}
