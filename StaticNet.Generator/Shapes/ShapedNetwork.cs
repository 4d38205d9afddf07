using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>
/// A network whose every shape is known and checked: what the emitter turns into code. All offsets are in floats.
/// </summary>
/// <param name="Spec">The declaration it came from.</param>
/// <param name="InputSize">The number of floats in one input sample.</param>
/// <param name="Layers">The layers after the input, in order.</param>
/// <param name="ParameterCount">The number of trainable parameters, as PyTorch counts them.</param>
/// <param name="ParameterBufferLength">The length of the internal parameter buffer, padding included.</param>
/// <param name="ActivationBufferLength">The floats per row of every layer's saved values (outputs and pre-activations).</param>
internal sealed record ShapedNetwork(
    NetworkSpec Spec,
    int InputSize,
    EquatableArray<DenseLayer> Layers,
    int ParameterCount,
    int ParameterBufferLength,
    int ActivationBufferLength)
{
    public DenseLayer OutputLayer => Layers[Layers.Count - 1];

    public int OutputSize => OutputLayer.Units;
}

/// <summary>A fully connected layer with its shapes and its place in the network's buffers.</summary>
/// <param name="Index">The layer's position after the input (0 for the first Dense).</param>
/// <param name="Name">The PyTorch module name, e.g. <c>fc1</c> or <c>layers.0</c>.</param>
/// <param name="Identifier">A C# identifier made from the name, e.g. <c>Fc1</c> or <c>Layers0</c>.</param>
/// <param name="Inputs">The number of inputs per sample.</param>
/// <param name="InputStride">The distance between two input rows: the previous layer's width, or the input size.</param>
/// <param name="Units">The number of outputs per sample.</param>
/// <param name="Width">Units rounded up to the SIMD width alignment; the internal row length.</param>
/// <param name="Activation">The activation applied to the outputs.</param>
/// <param name="WeightOffset">Where the transposed weight <c>[Inputs, Width]</c> starts in the parameter buffer.</param>
/// <param name="BiasOffset">Where the bias <c>[Width]</c> starts in the parameter buffer.</param>
/// <param name="OutputOffset">Where the output region starts in a row-block of activations (multiply by rows).</param>
/// <param name="PreActivationOffset">Where the saved pre-activation starts, or -1 when the backward pass does not need it.</param>
internal sealed record DenseLayer(
    int Index,
    string Name,
    string Identifier,
    int Inputs,
    int InputStride,
    int Units,
    int Width,
    ActivationKind Activation,
    int WeightOffset,
    int BiasOffset,
    int OutputOffset,
    int PreActivationOffset)
{
    public int ParameterCount => Inputs * Units + Units;

    public bool IsFirst => Index == 0;

    /// <summary>GELU's derivative needs its input; every other activation's derivative is a function of its output.</summary>
    public bool KeepsPreActivation => PreActivationOffset >= 0;
}

/// <summary>
/// A broken shape rule, located on one of the class's attributes. An error means the declaration cannot be generated;
/// a warning means it can, but probably does not do what the user meant.
/// </summary>
/// <param name="Id">The diagnostic ID, e.g. <c>SNET004</c>.</param>
/// <param name="AttributeIndex">The offending attribute's position among the class's attributes, or -1 for the class.</param>
/// <param name="Message">What was expected and what was found.</param>
/// <param name="IsWarning">Whether the network can still be generated.</param>
internal sealed record ShapeError(string Id, int AttributeIndex, string Message, bool IsWarning = false);

/// <summary>The result of shape inference: a network (null when an error prevents one), and every broken rule.</summary>
internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<ShapeError> Errors);
