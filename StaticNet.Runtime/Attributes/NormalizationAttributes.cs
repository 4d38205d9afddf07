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

/// <summary>
/// The reparameterisation step of a variational autoencoder (no PyTorch module: the <c>mu + torch.exp(0.5 * logvar) *
/// eps</c> of PyTorch's VAE example). Its input is a vector of 2·latent values, <b>the first half the means, the second
/// half the log-variances</b> (<c>[mean | logvar]</c>, e.g. a <c>[Dense(2 * latent)]</c>); its output is the latent
/// vector: while training <c>z = mean + exp(0.5·logvar)·ε</c> with ε ~ N(0, I) drawn from the network's seeded generator
/// (saved in checkpoints, as Dropout's), in inference (<c>Forward</c>, <c>ComputeLoss</c>) the mean.
/// </summary>
/// <remarks>
/// The layer adds the KL divergence from N(0, I), <c>β·(−0.5·Σ(1 + logvar − mean² − exp(logvar)))</c> summed over the
/// latent values, to each sample's loss, and its gradient flows into the means and log-variances. It is reduced as the
/// network's loss is: the samples' terms are summed and divided by the loss's divisor (batch × outputs for the
/// element-wise losses, batch for <c>SoftmaxCrossEntropy</c>). With <c>Loss.BinaryCrossEntropy</c> on a decoder's logits
/// and the input as the target, the loss <c>TrainStep</c> returns times the output size is the negative ELBO per sample
/// (PyTorch: <c>(F.binary_cross_entropy_with_logits(logits, x, reduction='sum') + beta * kld) / x.numel()</c>).
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReparameterizeAttribute : LayerAttribute
{
    /// <summary>The weight β of the KL term (1, the plain ELBO, by default; β-VAEs use more). Finite and ≥ 0 (error SNET019 otherwise).</summary>
    public float Beta { get; set; } = 1f;

    /// <summary>The layer's name (it has no tensors; the name appears in the topology and messages).</summary>
    public string? Name { get; set; }
}
