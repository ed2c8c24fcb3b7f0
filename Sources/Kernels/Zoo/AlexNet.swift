/// AlexNet as in BVLC's Caffe model (with the original two-GPU groups), input 3×227×227.
///
/// conv1 96 11×11/4 → ReLU → LRN → max 3/2 → conv2 256 5×5 pad 2 group 2 → ReLU → LRN →
/// max 3/2 → conv3 384 3×3 pad 1 → conv4 384 3×3 pad 1 group 2 → conv5 256 3×3 pad 1 group 2
/// → max 3/2 (6×6) → fc6 4096 → dropout → fc7 4096 → dropout → fc8 1000; ReLU after every
/// convolution and fc6, fc7. 60,965,224 parameters, 0.724 GMACs forward.
enum AlexNet {
  static func spec() -> ModelSpec {
    var net = SpecBuilder()
    net.convolution("conv1", outputs: 96, kernel: 11, stride: 4)
    net.relu("relu1")
    net.localResponseNorm("norm1")
    net.maxPool("pool1", kernel: 3, stride: 2)
    net.convolution("conv2", outputs: 256, kernel: 5, padding: 2, groups: 2)
    net.relu("relu2")
    net.localResponseNorm("norm2")
    net.maxPool("pool2", kernel: 3, stride: 2)
    net.convolution("conv3", outputs: 384, kernel: 3, padding: 1)
    net.relu("relu3")
    net.convolution("conv4", outputs: 384, kernel: 3, padding: 1, groups: 2)
    net.relu("relu4")
    net.convolution("conv5", outputs: 256, kernel: 3, padding: 1, groups: 2)
    net.relu("relu5")
    net.maxPool("pool5", kernel: 3, stride: 2)
    for index in 6...7 {
      net.fullyConnected("fc\(index)", outputs: 4096)
      net.relu("relu\(index)")
      net.dropout("drop\(index)", ratio: 0.5)
    }
    net.fullyConnected("fc8", outputs: 1000)
    return net.finished(name: "alexnet", input: Shape(3, 227, 227), classes: 1000)
  }
}
