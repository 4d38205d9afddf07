using StaticNet;

namespace Sequences;

/// <summary>
/// The audio effect: one sample in, one sample out per time step, 64-step windows for training; an LSTM keeps the
/// effect's memory and a Dense head maps its 32 state values to the output sample. Streams with <c>Step</c>.
/// </summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(EffectNet.Window, 1)]
[LSTM(32, ReturnSequences = true)]
[Dense(1)]
public partial class EffectNet
{
    /// <summary>Time steps per training window.</summary>
    public const int Window = 64;
}

/// <summary>The waveform classifier: a 64-sample sequence → GRU(32), last state → 4 class scores.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(WaveformNet.Length, 1)]
[GRU(32)]
[Dense(4)]
public partial class WaveformNet
{
    /// <summary>Samples per sequence.</summary>
    public const int Length = 64;
}
