using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Graphs;

// From docs/graphs.md:
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Padding = 1, Name = "stem")] [BatchNorm(Name = "stem_bn")] [ReLU(Name = "stem_relu")]
[Conv2D(32, 3, Stride = 2, Padding = 1, Name = "block.conv1")] [BatchNorm(Name = "block.bn1")] [ReLU(Name = "block.relu1")]
[Conv2D(32, 3, Padding = 1, Name = "block.conv2")] [BatchNorm(Name = "block.bn2")]
[Conv2D(32, 1, Stride = 2, From = "stem_relu", Name = "block.shortcut.0")] [BatchNorm(Name = "block.shortcut.1")]
[Add("block.bn2", Name = "block.add")] [ReLU(Name = "block.relu")]
[GlobalAvgPool(Name = "pool")] [Dense(10, Name = "head")]
public partial class ResidualClassifier { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(20, 3)]
[LSTM(32, ReturnSequences = true, Name = "lstm")]
[Concatenate("input", Name = "skip")]
[Dense(16, Activation.Tanh, Name = "proj")]
[Concatenate("lstm", Name = "skip2")]
[Dense(1, Name = "out")]
public partial class SkipForecaster { }

[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(4)]
[Dense(32, Activation.ReLU)] [Dense(32, Activation.ReLU)] [Dense(1)]
public partial class Critic { }

/// <summary>
/// The examples of docs/graphs.md, run as written there; every C# block of the page must appear verbatim in this file
/// (lines compared without their indentation).
/// </summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(6, Name = "state")] [Input(2, Name = "action")]
[Dense(64, Activation.Tanh, From = "state", Name = "trunk")]
[Concatenate("action", Name = "cat")]
[Dense(64, Activation.ReLU, Name = "fc")]
[Dense(1, Name = "q")]
public partial class StateActionCritic { }

[Network(GradientsFromCaller = true)]
[Input(8)]
[Dense(64, Activation.Tanh, Name = "trunk")]
[Dense(4, Name = "policy")]
[Dense(1, From = "trunk", Name = "value")]
[Output("policy", Loss = Loss.SoftmaxCrossEntropy)]
[Output("value", Loss = Loss.MeanSquaredError, Weight = 0.5f)]
public partial class ActorCritic { }

public sealed class GraphDocsTests
{
    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Normalize(string code) =>
        string.Join("\n", code.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [Fact]
    public void EveryCSharpBlockOfThePage_IsInThisFile()
    {
        string page = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "..", "docs", "graphs.md"));
        string source = Normalize(File.ReadAllText(ThisFile()));
        MatchCollection blocks = Regex.Matches(File.ReadAllText(page), "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.Equal(7, blocks.Count);
        foreach (Match block in blocks)
            Assert.Contains(Normalize(block.Groups[1].Value), source);
    }

    [Fact]
    public void TheExamplesRun()
    {
        Assert.Equal([32, 14, 14], ResidualClassifier.Layers.Single(l => l.Name == "block.add").OutputShape);
        Assert.Equal([20, 35], SkipForecaster.Layers.Single(l => l.Name == "skip").OutputShape);
        Assert.Equal((6, 0, 2, 6), (StateActionCritic.StateInputSize, StateActionCritic.StateInputOffset, StateActionCritic.ActionInputSize, StateActionCritic.ActionInputOffset));
        var stateAction = new StateActionCritic(seed: 1);
        float[] states = new float[4 * StateActionCritic.StateInputSize], actions = new float[4 * StateActionCritic.ActionInputSize];
        float[] values = new float[4], dStates = new float[states.Length], dActions = new float[actions.Length];
        stateAction.ForwardTraining(states, actions, values);
        stateAction.Backward(new float[] { 1, 1, 1, 1 }, dStates, dActions);
        Assert.Contains(dActions, v => v != 0);

        var agent = new ActorCritic(seed: 1);
        float[] observation = new float[ActorCritic.InputSize];
        float[] logits = new float[ActorCritic.PolicyOutputSize], value = new float[ActorCritic.ValueOutputSize];
        agent.Forward(observation, logits, value); // one span per head

        float[] observations = new float[16 * ActorCritic.InputSize];
        float[] actionProbabilities = new float[16 * 4], returns = new float[16], advantages = new float[16];
        Array.Fill(actionProbabilities, 0.25f);
        Array.Fill(advantages, 1f);
        // 1 × cross-entropy(policy) + 0.5 × MSE(value), each sample's loss weighted (default: all 1)
        agent.TrainStep(observations, actionProbabilities, returns, advantages, new Adam(1e-3f));
        Assert.Equal((4, 0, 1, 4), (ActorCritic.PolicyOutputSize, ActorCritic.PolicyOutputOffset, ActorCritic.ValueOutputSize, ActorCritic.ValueOutputOffset));
        float[] packed = new float[ActorCritic.OutputSize];
        agent.Forward(observation, packed);
        float[] before = logits.Concat(value).ToArray();
        Assert.NotEqual(before, packed); // the step moved both heads' weights
        agent.Forward(observation, logits, value);
        Assert.Equal(packed, logits.Concat(value).ToArray());

        var critic = new Critic(seed: 1);
        float[] stateActions = new float[8 * Critic.InputSize]; // 8 samples of [state (3), action (1)]
        float[] q = new float[8];
        critic.ForwardTraining(stateActions, q);
        float[] ones = new float[8];
        Array.Fill(ones, 1f);
        float[] dQ = new float[stateActions.Length];
        critic.Backward(ones, dQ); // dQ[i * 4 + 3] is ∂Q/∂a of sample i
        critic.ApplyGradients(new Adam(1e-3f)); // or ignore Gradients and only use dQ

        Assert.Contains(dQ, g => g != 0);
    }
}
