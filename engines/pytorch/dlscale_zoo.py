"""The eleven reference models of dlscale's zoo (Sources/Kernels/Zoo) as PyTorch modules.

Each one is the zoo's graph in Caffe's layout (ceil-mode pooling, ResNet v1 with the stride on the
first 1x1, AlexNet's two groups), with exactly the zoo's trainable parameter count: a batch-norm
layer's weight and bias are Caffe's Scale gamma and beta; its running statistics are buffers, as
Caffe's are not trained. `dlscale_torch.py --count-params` prints the counts, and a test compares
them with the zoo's.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _local_response_norm():
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)


def _pool(kernel, stride, padding=0):
    return nn.MaxPool2d(kernel, stride, padding, ceil_mode=True)


def alexnet():
    """BVLC AlexNet with its two groups, input 3x227x227."""
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4), nn.ReLU(inplace=True), _local_response_norm(), _pool(3, 2),
        nn.Conv2d(96, 256, 5, 1, 2, groups=2), nn.ReLU(inplace=True), _local_response_norm(), _pool(3, 2),
        nn.Conv2d(256, 384, 3, 1, 1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, 1, 1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, 1, 1, groups=2), nn.ReLU(inplace=True), _pool(3, 2),
        nn.Flatten(),
        nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(4096, 1000))


def _conv_relu(inputs, outputs, kernel, stride=1, padding=0):
    return nn.Sequential(nn.Conv2d(inputs, outputs, kernel, stride, padding), nn.ReLU(inplace=True))


class Inception(nn.Module):
    """Four branches of one input, concatenated: 1x1; 1x1, 3x3; 1x1, 5x5; max 3/1 pad 1, 1x1."""

    def __init__(self, inputs, one, three_reduce, three, five_reduce, five, projection):
        super().__init__()
        self.one = _conv_relu(inputs, one, 1)
        self.three = nn.Sequential(_conv_relu(inputs, three_reduce, 1), _conv_relu(three_reduce, three, 3, padding=1))
        self.five = nn.Sequential(_conv_relu(inputs, five_reduce, 1), _conv_relu(five_reduce, five, 5, padding=2))
        self.pool = nn.Sequential(_pool(3, 1, 1), _conv_relu(inputs, projection, 1))
        self.outputs = one + three + five + projection

    def forward(self, x):
        return torch.cat([self.one(x), self.three(x), self.five(x), self.pool(x)], 1)


GOOGLENET_STAGES = (
    ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64)),
    ((192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
     (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128)),
    ((256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)),
)


def googlenet():
    """BVLC GoogleNet without the auxiliary classifiers, input 3x224x224."""
    layers = [_conv_relu(3, 64, 7, 2, 3), _pool(3, 2), _local_response_norm(),
              _conv_relu(64, 64, 1), _conv_relu(64, 192, 3, padding=1), _local_response_norm(), _pool(3, 2)]
    inputs = 192
    for index, stage in enumerate(GOOGLENET_STAGES):
        for widths in stage:
            module = Inception(inputs, *widths)
            layers.append(module)
            inputs = module.outputs
        if index < len(GOOGLENET_STAGES) - 1:
            layers.append(_pool(3, 2))
    layers += [nn.AvgPool2d(7, 1), nn.Dropout(0.4), nn.Flatten(), nn.Linear(1024, 1000)]
    return nn.Sequential(*layers)


def vgg(convolutions_per_stage):
    """VGG (configuration D or E), input 3x224x224."""
    layers, inputs = [], 3
    for width, count in zip((64, 128, 256, 512, 512), convolutions_per_stage):
        for _ in range(count):
            layers += [nn.Conv2d(inputs, width, 3, 1, 1), nn.ReLU(inplace=True)]
            inputs = width
        layers.append(_pool(2, 2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
               nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers)


class CaffeBottleneck(nn.Module):
    """A ResNet v1 bottleneck as in the Caffe models: the stride on the first 1x1 (and on the
    projection), not on the 3x3 as in torchvision's v1.5."""

    def __init__(self, inputs, width, outputs, stride, projection):
        super().__init__()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inputs, width, 1, stride, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
            nn.Conv2d(width, outputs, 1, bias=False), nn.BatchNorm2d(outputs))
        self.branch1 = (nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))
                        if projection else nn.Identity())

    def forward(self, x):
        return F.relu(self.branch2(x) + self.branch1(x), inplace=True)


def resnet(blocks_per_stage, first_convolution_bias):
    """ResNet v1 in Caffe's layout, input 3x224x224 (conv1 has a bias only in ResNet-50)."""
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=first_convolution_bias), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              _pool(3, 2)]
    inputs = 64
    widths = ((64, 256), (128, 512), (256, 1024), (512, 2048))
    for stage, ((width, outputs), blocks) in enumerate(zip(widths, blocks_per_stage)):
        for block in range(blocks):
            stride = 2 if block == 0 and stage > 0 else 1
            layers.append(CaffeBottleneck(inputs, width, outputs, stride, projection=block == 0))
            inputs = outputs
    layers += [nn.AvgPool2d(7, 1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def multilayer_perceptron(inputs, hidden, classes):
    """Fully connected layers with biases, ReLU after all but the last."""
    layers = []
    for width in hidden:
        layers += [nn.Linear(inputs, width), nn.ReLU(inplace=True)]
        inputs = width
    layers.append(nn.Linear(inputs, classes))
    return nn.Sequential(*layers)


class TextCNN(nn.Module):
    """Convolutions of 128 filters over 59 embedded tokens (1x59x128): 1x128, 3x128 pad 1, 5x128
    pad 2, concatenated, ReLU, max over time, fc 10."""

    def __init__(self, filters=128, embedding=128, classes=10):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Conv2d(1, filters, (height, embedding), padding=(height // 2, 0)) for height in (1, 3, 5))
        self.fc = nn.Linear(3 * filters, classes)

    def forward(self, x):
        features = F.relu(torch.cat([branch(x) for branch in self.branches], 1))
        return self.fc(torch.amax(features, dim=(2, 3)))


# name: (builder, input shape of one sample, classes), as the zoo defines them.
MODELS = {
    "alexnet": (alexnet, (3, 227, 227), 1000),
    "googlenet": (googlenet, (3, 224, 224), 1000),
    "vgg16": (lambda: vgg((2, 2, 3, 3, 3)), (3, 224, 224), 1000),
    "vgg19": (lambda: vgg((2, 2, 4, 4, 4)), (3, 224, 224), 1000),
    "resnet50": (lambda: resnet((3, 4, 6, 3), True), (3, 224, 224), 1000),
    "resnet101": (lambda: resnet((3, 4, 23, 3), False), (3, 224, 224), 1000),
    "resnet152": (lambda: resnet((3, 8, 36, 3), False), (3, 224, 224), 1000),
    "acoustic": (lambda: multilayer_perceptron(540, (2048,) * 5, 8192), (540,), 8192),
    "textcnn": (TextCNN, (1, 59, 128), 10),
    "deepmnist": (lambda: multilayer_perceptron(784, (2500, 2000, 1500, 1000, 500), 10), (784,), 10),
    "sensornet": (lambda: multilayer_perceptron(784, (1024, 1024, 1024), 16), (784,), 16),
}


def build(name):
    """The model called `name`, its input shape of one sample and its class count."""
    builder, shape, classes = MODELS[name]
    return builder(), shape, classes


def trainable_parameters(model):
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
