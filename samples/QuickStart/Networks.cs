using StaticNet;

namespace QuickStart;

/// <summary>8 × 8 digits: 64 pixels → 64 ReLU → 10 classes.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class DigitsNet { }

/// <summary>Fashion-MNIST: 28 × 28 pixels → 128 ReLU → 10 classes.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class FashionNet { }
