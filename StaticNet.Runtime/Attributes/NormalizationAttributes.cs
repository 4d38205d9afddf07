using System;

namespace StaticNet;

/// <summary>
/// Batch normalisation over the channels of the previous layer's output, as <c>torch.nn.BatchNorm1d</c> after a Dense
/// or Conv1D layer and <c>torch.nn.BatchNorm2d</c> after a Conv2D layer. Training steps normalise with the batch's
/// statistics and update the running ones; <c>Forward</c> uses the running statistics. Its tensors are
/// <c>{Name}.weight</c>, <c>{Name}.bias</c> (trainable, <c>[channels]</c>), <c>{Name}.running_mean</c>,
/// <c>{Name}.running_var</c> and <c>{Name}.num_batches_tracked</c>.
/// </summary>
/// <remarks>
/// Batches are processed in chunks of 32 samples; a larger training batch is normalised per chunk of 32
/// ("ghost batch normalisation"), so PyTorch's numbers are matched exactly for batches of up to 32.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>The weight of a new batch's statistics in the running ones; 0.1 by default, as PyTorch.</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before its square root; 1e-5 by default, as PyTorch.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name of the layer; the default is <c>layers.{index}</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// Inverted dropout, as <c>torch.nn.Dropout</c>: during training steps each value is zeroed with probability
/// <see cref="Rate"/> and the rest are scaled by 1/(1 − rate); <c>Forward</c> passes values through unchanged. The
/// draws come from a generator seeded by the network's constructor, so a seeded run is reproducible.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares dropout.</summary>
    /// <param name="rate">The probability of zeroing a value, in [0, 1).</param>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>The probability of zeroing a value.</summary>
    public float Rate { get; }

    /// <summary>The PyTorch module name of the layer.</summary>
    public string? Name { get; set; }
}
