using System;
using System.Linq;
using StaticNet.IO;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

// The recurrent networks of tests/reference/make_layer_fixtures.py (default names: nn.Sequential indices; each PyTorch layer a
// one-layer nn.LSTM/GRU/RNN with batch_first=True; a Dense after a sequence applies at every step).
[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5)] [Dense(2)]
public partial class ParityLstmLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [LSTM(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityLstmSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(5)] [Dense(2)]
public partial class ParityGruLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [GRU(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityGruSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5, ReturnSequences = true)] [Dense(2)]
public partial class ParityRnnTanhSeqNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(6, 3)] [SimpleRNN(5, Activation.ReLU)] [Dense(2)]
public partial class ParityRnnReluLastNet { }

[Network(Loss = Loss.MeanSquaredError)] [Input(5, 2)] [LSTM(4, ReturnSequences = true)] [GRU(3)] [Dense(2)]
public partial class ParityStackedNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(7)] [Embedding(11, 4)] [LSTM(6)] [Dense(3)]
public partial class ParityEmbeddingNet { }

/// <summary>
/// What is particular to token networks; the recurrent fixtures' parity (outputs, loss, gradients, names) is in
/// <see cref="LayerParityTests"/> with every other layer's.
/// </summary>
public class TokenNetworkTests
{
    [Fact]
    public void TokenNetworksTakeIdsAndCheckThem()
    {
        (ITrainableNetwork network, SafetensorsFile file) = LayerParityTests.Load("embedding");
        var net = (ParityEmbeddingNet)network;
        int[] tokens = file.Get("input").Data.Select(v => (int)v).ToArray();
        var logits = new float[tokens.Length / ParityEmbeddingNet.InputSize * ParityEmbeddingNet.OutputSize];
        net.ForwardBatch(tokens, logits);
        AssertClose(file.Get("output").Data, logits, 1e-5, "embedding ForwardBatch (ids)");

        float[] asFloats = file.Get("input").Data.ToArray();
        asFloats[2] = 2.5f;
        var error = Assert.Throws<ArgumentException>(() => network.ComputeLoss(asFloats, file.Get("target").Data));
        Assert.Contains("token ids", error.Message);
        tokens[3] = 11;
        var outOfRange = Assert.ThrowsAny<ArgumentException>(() => net.ForwardBatch(tokens, logits));
        Assert.Contains("11", outOfRange.Message);
    }
}
