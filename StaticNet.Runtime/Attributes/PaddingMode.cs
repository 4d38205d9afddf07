namespace StaticNet;

/// <summary>How a convolution pads its input, as PyTorch's <c>padding</c> argument.</summary>
public enum PaddingMode
{
    /// <summary>Pad each side by the layer's <c>Padding</c> (0 by default), as <c>padding=n</c>.</summary>
    Explicit = 0,

    /// <summary>No padding, as <c>padding='valid'</c>: the output shrinks by the kernel's extent minus one.</summary>
    Valid = 1,

    /// <summary>
    /// Pad so that the output has the input's size, as <c>padding='same'</c> (stride 1 only); when the kernel's extent is
    /// even, the extra row or column goes after (bottom, right), as PyTorch does.
    /// </summary>
    Same = 2,
}
