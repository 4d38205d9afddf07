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

/// <summary>
/// The Fashion-MNIST sample's CNN (samples/FashionMnistCnn): 1×28×28 → Conv 16 (3×3, pad 1, ReLU) → max pool 2 →
/// Conv 32 (3×3, pad 1, ReLU) → max pool 2 → Flatten (1,568) → 128 (ReLU) → Dropout 0.25 → 10, softmax cross-entropy.
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
/// <summary>The streaming benchmark network: one input per step, LSTM(1 → 32) every step, Dense(32 → 1); 64-step sequences.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(32, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingLstmNet { }

/// <summary>The same with GRU(1 → 32).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[GRU(32, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingGruNet { }
