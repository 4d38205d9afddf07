using StaticNet;

namespace EdgeInference;

/// <summary>8 × 8 digits: 64 pixels (0–16, scaled to 0–1) → 64 ReLU → 10 classes; the quick start's network.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class DigitsNet { }
