using StaticNet;

namespace ResNet;

/// <summary>
/// A small ResNet for 28 × 28 grey images, torchvision's <c>BasicBlock</c> design with PyTorch's module names, so its
/// safetensors load strictly into <c>FashionResNet</c> of benchmarks/pytorch/resnet_fashion.py:
/// a stem (<c>conv1</c> 3×3, 16 channels, <c>bn1</c>, ReLU); <c>layer1.0</c>, a basic block of two 3×3 convolutions of
/// 16 channels with BatchNorm and an identity shortcut; <c>layer2.0</c>, a basic block to 32 channels whose first
/// convolution has stride 2 (28×28 → 14×14) and whose shortcut is projected (<c>layer2.0.downsample.0</c>, a 1×1
/// convolution with stride 2, and <c>layer2.0.downsample.1</c>, a BatchNorm); <c>layer2.1</c>, a basic block of 32
/// channels with an identity shortcut; a global average pool and <c>fc</c>, Dense(10). Convolutions have no bias (the
/// BatchNorm after each one has it), as in torchvision. 10,217,408 multiply-adds per image forward, 38,266 parameters.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
// Stem.
[Conv2D(16, 3, Padding = 1, Bias = false, Name = "conv1")] [BatchNorm(Name = "bn1")] [ReLU(Name = "relu")]
// layer1.0: identity shortcut from the stem's ReLU.
[Conv2D(16, 3, Padding = 1, Bias = false, Name = "layer1.0.conv1")] [BatchNorm(Name = "layer1.0.bn1")] [ReLU(Name = "layer1.0.relu1")]
[Conv2D(16, 3, Padding = 1, Bias = false, Name = "layer1.0.conv2")] [BatchNorm(Name = "layer1.0.bn2")]
[Add("relu", Name = "layer1.0.add")] [ReLU(Name = "layer1.0.relu")]
// layer2.0: stride 2, 16 → 32 channels, projected shortcut.
[Conv2D(32, 3, Stride = 2, Padding = 1, Bias = false, Name = "layer2.0.conv1")] [BatchNorm(Name = "layer2.0.bn1")] [ReLU(Name = "layer2.0.relu1")]
[Conv2D(32, 3, Padding = 1, Bias = false, Name = "layer2.0.conv2")] [BatchNorm(Name = "layer2.0.bn2")]
[Conv2D(32, 1, Stride = 2, Bias = false, From = "layer1.0.relu", Name = "layer2.0.downsample.0")] [BatchNorm(Name = "layer2.0.downsample.1")]
[Add("layer2.0.bn2", Name = "layer2.0.add")] [ReLU(Name = "layer2.0.relu")]
// layer2.1: identity shortcut.
[Conv2D(32, 3, Padding = 1, Bias = false, Name = "layer2.1.conv1")] [BatchNorm(Name = "layer2.1.bn1")] [ReLU(Name = "layer2.1.relu1")]
[Conv2D(32, 3, Padding = 1, Bias = false, Name = "layer2.1.conv2")] [BatchNorm(Name = "layer2.1.bn2")]
[Add("layer2.0.relu", Name = "layer2.1.add")] [ReLU(Name = "layer2.1.relu")]
// Head.
[GlobalAvgPool(Name = "avgpool")] [Dense(10, Name = "fc")]
public partial class FashionResNet { }
