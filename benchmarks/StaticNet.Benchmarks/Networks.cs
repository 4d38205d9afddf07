using StaticNet;

namespace StaticNet.Benchmarks;

/// <summary>MNIST-sized classifier: 784 → 128 (ReLU) → 10, softmax cross-entropy.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class MnistMlp { }

/// <summary>A small control-style network: 16 → 64 (ReLU) → 64 (ReLU) → 4, mean squared error.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(64, Activation.ReLU, Name = "fc2")]
[Dense(4, Name = "fc3")]
public partial class SmallMlp { }
