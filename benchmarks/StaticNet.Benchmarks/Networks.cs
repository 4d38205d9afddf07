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

// The Fashion-MNIST sample's CNN is the sample's own declaration, samples/FashionMnistCnn/FashionCnn.cs (linked in the
// project file), so that the benchmark measures exactly the network the sample trains.
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

/// <summary>Streaming step at other sizes: LSTM(1 → 16), a size the register-resident step does not take on AVX-512.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(16, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingLstm16Net { }

/// <summary>LSTM(1 → 64): W_hh alone is 64 KiB, more than a 48 KiB L1 data cache.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(64, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingLstm64Net { }

/// <summary>GRU(1 → 64).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[GRU(64, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingGru64Net { }

/// <summary>Two stacked LSTM(32) layers: 51 KiB of weights read every step.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(32, ReturnSequences = true)]
[LSTM(32, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingStackedLstmNet { }

/// <summary>
/// Issue 17's streaming stack: LSTM(1 → 32) then LSTM(32 → 32) as one layer of two (PyTorch's num_layers=2), Dense(1).
/// </summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(64, 1)]
[LSTM(32, NumLayers = 2, ReturnSequences = true)]
[Dense(1)]
public partial class StreamingLstm2Net { }

/// <summary>The issue-16 drift case: 128 → 128 (ReLU) → 128, mean squared error.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(128)]
[Dense(128, Activation.ReLU, Name = "fc1")]
[Dense(128, Name = "fc2")]
public partial class Dense128Mlp { }

/// <summary>The quick start's digits network: 64 → 64 (ReLU) → 10, softmax cross-entropy.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(64, Activation.ReLU, Name = "fc1")]
[Dense(10, Name = "fc2")]
public partial class DigitsMlp { }
