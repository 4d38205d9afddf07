namespace StaticNet;

/// <summary>The training loss of a network. Every loss is a mean, as PyTorch's default <c>reduction='mean'</c>.</summary>
/// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
public enum Loss
{
    /// <summary>No loss: the network is inference-only and has no <c>TrainStep</c>.</summary>
    None = 0,
    /// <summary>Mean of the squared differences over every output of every sample, as <c>torch.nn.MSELoss</c>.</summary>
    MeanSquaredError = 1,
    /// <summary>
    /// Binary cross-entropy on logits: the sigmoid is fused into the loss and its gradient, as
    /// <c>torch.nn.BCEWithLogitsLoss</c>; the mean is over every output of every sample.
    /// </summary>
    BinaryCrossEntropy = 2,
    /// <summary>
    /// Cross-entropy on logits: the softmax is fused into the loss and its gradient, as
    /// <c>torch.nn.CrossEntropyLoss</c>; targets are class probabilities (one-hot for labels); the mean is over samples.
    /// </summary>
    SoftmaxCrossEntropy = 3,
    /// <summary>
    /// The Huber (smooth L1) loss over every output of every sample, as <c>torch.nn.SmoothL1Loss(beta=β)</c>:
    /// 0.5·d²/β where |d| &lt; β and |d| − 0.5·β elsewhere (d = y − t); β is <see cref="NetworkAttribute.HuberBeta"/>,
    /// 1 by default as PyTorch's.
    /// </summary>
    Huber = 4,
    /// <summary>Mean of the absolute differences over every output of every sample, as <c>torch.nn.L1Loss</c> (gradient sign(d), 0 at d = 0).</summary>
    L1 = 5,
}
