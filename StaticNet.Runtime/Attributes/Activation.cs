namespace StaticNet;

/// <summary>The element-wise (or, for <see cref="Softmax"/>, per-sample) non-linearity applied to a layer's output.</summary>
/// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
public enum Activation
{
    /// <summary>Identity: the layer emits its affine output unchanged (logits on a last layer).</summary>
    None = 0,
    /// <summary><c>max(0, x)</c>, as <c>torch.nn.ReLU</c>.</summary>
    ReLU = 1,
    /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>0.01·x</c>, as <c>torch.nn.LeakyReLU()</c> with its default slope.</summary>
    LeakyReLU = 2,
    /// <summary><c>1 / (1 + e^-x)</c>, as <c>torch.nn.Sigmoid</c>.</summary>
    Sigmoid = 3,
    /// <summary>Hyperbolic tangent, as <c>torch.nn.Tanh</c>.</summary>
    Tanh = 4,
    /// <summary>Softmax over the layer's outputs of one sample, as <c>torch.nn.Softmax(dim=-1)</c>.</summary>
    Softmax = 5,
    /// <summary>The exact (erf) Gaussian error linear unit, as <c>torch.nn.GELU()</c>.</summary>
    GELU = 6,
    /// <summary><c>x · σ(x)</c>, the sigmoid-weighted linear unit (swish), as <c>torch.nn.SiLU()</c>.</summary>
    SiLU = 7,
    /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>eˣ − 1</c>, as <c>torch.nn.ELU()</c> with its default alpha 1.</summary>
    ELU = 8,
}
