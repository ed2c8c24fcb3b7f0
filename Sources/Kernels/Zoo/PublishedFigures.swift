/// The figures the reference table publishes for each zoo model, kept beside the computed ones
/// so that reports and tests can compare them.
///
/// Parameters are exact; sizes are rounded MB (parameters × 4 / 2²⁰); "GFLOPs (forward pass)"
/// in the table are in fact forward multiply-accumulates at batch 1, so they are kept as GMACs.
/// DeepMNIST and SensorNet have only a parameter count.
public struct PublishedFigures: Sendable, Equatable {
  /// The model's name as the table writes it.
  public var title: String
  public var parameters: Int
  public var sizeMB: Double?
  public var forwardGMACs: Double?

  /// The published figures of the zoo model called `name`, or nil for a name not in the zoo.
  public static func of(_ name: String) -> PublishedFigures? { table[name] }

  static let table: [String: PublishedFigures] = [
    "alexnet": PublishedFigures(
      title: "AlexNet", parameters: 60_965_224, sizeMB: 233, forwardGMACs: 0.724),
    "googlenet": PublishedFigures(
      title: "GoogleNet", parameters: 6_998_552, sizeMB: 27, forwardGMACs: 1.583),
    "vgg16": PublishedFigures(
      title: "VGG-16", parameters: 138_357_544, sizeMB: 528, forwardGMACs: 15.47),
    "vgg19": PublishedFigures(
      title: "VGG-19", parameters: 143_667_240, sizeMB: 548, forwardGMACs: 19.63),
    "resnet50": PublishedFigures(
      title: "ResNet-50", parameters: 25_610_269, sizeMB: 98, forwardGMACs: 3.858),
    "resnet101": PublishedFigures(
      title: "ResNet-101", parameters: 44_654_608, sizeMB: 170, forwardGMACs: 7.570),
    "resnet152": PublishedFigures(
      title: "ResNet-152", parameters: 60_344_387, sizeMB: 230, forwardGMACs: 11.282),
    "acoustic": PublishedFigures(
      title: "Eng Acoustic Model", parameters: 34_678_784, sizeMB: 132, forwardGMACs: 0.0347),
    "textcnn": PublishedFigures(
      title: "TextCNN", parameters: 151_690, sizeMB: 0.6, forwardGMACs: 0.0087),
    "deepmnist": PublishedFigures(
      title: "DeepMNIST", parameters: 11_972_510, sizeMB: nil, forwardGMACs: nil),
    "sensornet": PublishedFigures(
      title: "SensorNet", parameters: 2_919_440, sizeMB: nil, forwardGMACs: nil),
  ]
}
