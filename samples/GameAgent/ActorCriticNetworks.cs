using System;
using System.Collections.Generic;
using StaticNet;
using StaticNet.Optimizers;

namespace GameAgent;

/// <summary>
/// What <see cref="A2cAgent"/> needs of a policy-and-value network: the members StaticNet generates for
/// <c>[Network(GradientsFromCaller = true)]</c>. The generated classes below implement it as they are (their partial
/// declarations only name the interface).
/// </summary>
public interface IActorCriticNetwork
{
    /// <summary>Every trainable parameter.</summary>
    Span<float> Parameters { get; }

    /// <summary>The network's tensors: PyTorch names and shapes, and where each lives in <see cref="Parameters"/>.</summary>
    IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>∂L/∂parameters from the last <see cref="Backward"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>Inference on n samples: n × (actions logits, then the value).</summary>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Inference on one sample.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>The training-mode forward pass of n samples, keeping the activations for <see cref="Backward"/>.</summary>
    void ForwardTraining(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>From ∂L/∂output of each sample of the last <see cref="ForwardTraining"/>, overwrites <see cref="Gradients"/>.</summary>
    void Backward(ReadOnlySpan<float> outputGradients);

    /// <summary>One optimizer step with <see cref="Gradients"/>.</summary>
    void ApplyGradients(Optimizer optimizer);
}

/// <summary>
/// CartPole's actor-critic: a shared trunk 4 → 64 tanh → 64 tanh, a policy head (2 logits) and a value head (1), both
/// reading the trunk, joined into one output of 3 floats per sample: [logit left, logit right, V(s)]. The loss is the
/// caller's (<see cref="A2cLoss"/>): <c>Loss</c> is only declared because <c>GradientsFromCaller</c> needs one.
/// </summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(4)]
[Dense(64, Activation.Tanh, Name = "trunk1")]
[Dense(64, Activation.Tanh, Name = "trunk2")]
[Dense(1, Name = "value")]
[Dense(2, From = "trunk2", Name = "policy")]
[Concatenate("value", Name = "heads")]
public partial class CartPoleActorCritic : IActorCriticNetwork { }

/// <summary>
/// Acrobot's actor-critic: the same shape with 6 inputs and 3 actions, output [logit −1, logit 0, logit +1, V(s)].
/// </summary>
[Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
[Input(6)]
[Dense(64, Activation.Tanh, Name = "trunk1")]
[Dense(64, Activation.Tanh, Name = "trunk2")]
[Dense(1, Name = "value")]
[Dense(3, From = "trunk2", Name = "policy")]
[Concatenate("value", Name = "heads")]
public partial class AcrobotActorCritic : IActorCriticNetwork { }
