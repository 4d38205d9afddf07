using StaticNet;

namespace FashionMnistCnn;

/// <summary>
/// A small convolutional classifier for 28 × 28 grey images, PyTorch's
/// <c>nn.Sequential(Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU, MaxPool2d(2),
/// Flatten, Linear(1568, 128), ReLU, Dropout(0.25), Linear(128, 10))</c>: 1×28×28 → 16×28×28 → 16×14×14 → 32×14×14 →
/// 32×7×7 → 1,568 → 128 → 10 logits, 206,922 parameters, named <c>0.*</c>, <c>3.*</c>, <c>7.*</c>, <c>10.*</c>
/// (<c>weight</c>, <c>bias</c>) as in that module (each ReLU is a module), so its safetensors load with
/// <c>model.load_state_dict</c>.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[Flatten]
[Dense(128, Activation.ReLU)]
[Dropout(0.25f)]
[Dense(10)]
public partial class FashionCnn { }
