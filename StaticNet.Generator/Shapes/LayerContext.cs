using System.Collections.Generic;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>What a rule needs: the declaration, the layer, its name and position, and where to report and allocate.</summary>
internal sealed class LayerContext
{
    private readonly ShapeInference.BufferPlan _buffers;
    private readonly List<TensorSpec> _tensors = new();
    private readonly List<Region> _regions = new();

    internal LayerContext(NetworkSpec network, LayerSpec layer, string name, string localName, int index, List<ShapeError> errors, ShapeInference.BufferPlan buffers,
        ShapedLayer? previous = null, LayerFusion fusion = LayerFusion.None)
    {
        Previous = previous;
        Fusion = fusion;
        Network = network;
        Layer = layer;
        Name = name;
        LocalName = localName;
        Index = index;
        Errors = errors;
        _buffers = buffers;
    }

    public NetworkSpec Network { get; }
    public LayerSpec Layer { get; }
    /// <summary>The full module path: the network's NamePrefix, then the layer's Name or its nn.Sequential index.</summary>
    public string Name { get; }
    /// <summary>The name without the prefix, which the layer's C# identifier is made from.</summary>
    public string LocalName { get; }
    public int Index { get; }
    public List<ShapeError> Errors { get; }

    /// <summary>The layer before it, as shaped, or null for the first layer.</summary>
    public ShapedLayer? Previous { get; }

    /// <summary>
    /// What a merge reads, in order: each operand's name (a layer's or the input's) and shape; the first is the shape
    /// rule's <c>input</c>. One entry for every other layer.
    /// </summary>
    public IReadOnlyList<(string Name, ActivationShape Shape)> Operands { get; internal set; } = new (string, ActivationShape)[0];

    /// <summary>
    /// How the layer shares a kernel: <see cref="LayerFusion.TakesNext"/> when shape inference gave it the next layer's
    /// activation, <see cref="LayerFusion.IntoPrevious"/> once <see cref="AliasOutput"/> made it part of the previous layer.
    /// </summary>
    public LayerFusion Fusion { get; private set; }
    public long ParameterCount { get; private set; }

    /// <summary>Whether a size check failed (SNET013 reported): the layer cannot be generated.</summary>
    public bool IsTooLarge { get; private set; }

    public EquatableArray<TensorSpec> Tensors => new(_tensors.ToArray());
    public EquatableArray<Region> Regions => new(_regions.ToArray());

    /// <summary>
    /// Checks a size that the generated code or the kernels compute in int (a span's length or an index into it):
    /// <paramref name="floats"/> per sample (times the chunk's rows when <paramref name="perRow"/>) or once. A size past
    /// <see cref="ShapeInference.MaxBufferLength"/> is an SNET013 error that names it; the first one per layer is reported.
    /// </summary>
    public bool Fits(long floats, string what, bool perRow)
    {
        long total = perRow ? ShapeInference.Product(floats, ShapeInference.ChunkRowsBound) : floats;
        if (total <= ShapeInference.MaxBufferLength) return true;
        if (!IsTooLarge)
            Errors.Add(new ShapeError(DiagnosticIds.TooLarge, Layer.AttributeIndex, perRow
                ? $"{Layer.Kind} '{Name}' needs {ShapeInference.Count(floats)} floats per sample for {what}, {ShapeInference.Count(total)} for a chunk of {ShapeInference.ChunkRowsBound} samples; expected at most {ShapeInference.Count(ShapeInference.MaxBufferLength)} (the runtime's spans index with int)"
                : $"{Layer.Kind} '{Name}' needs {ShapeInference.Count(floats)} floats for {what}; expected at most {ShapeInference.Count(ShapeInference.MaxBufferLength)} (the runtime's spans index with int)"));
        IsTooLarge = true;
        return false;
    }

    /// <summary>Reports a broken rule on this layer's attribute; returns null so rules can <c>return Error(...)</c>.</summary>
    public ShapedLayer? Error(string id, string message)
    {
        Errors.Add(new ShapeError(id, Layer.AttributeIndex, message));
        return null;
    }

    /// <summary>A trainable tensor (or, with <paramref name="state"/>, a buffer the optimizer never sees).</summary>
    public void Tensor(string suffix, int[] shape, int[] strides, long length, TensorInit init, int fanIn, string stored,
        bool state = false, bool integer = false)
    {
        if (!Fits(length, $"its tensor '{Name}.{suffix}' (stored as {stored})", perRow: false)) return;
        long offset;
        if (state)
        {
            offset = _buffers.StateLength; // relative to the state area; moved after the trainable area at the end
            _buffers.StateLength += length;
        }
        else
        {
            offset = _buffers.TrainableLength;
            _buffers.TrainableLength += length;
            long count = 1;
            foreach (int d in shape) count *= d;
            ParameterCount += count;
            _buffers.ParameterCount += count;
        }
        if (_buffers.Overflowed) return;
        _tensors.Add(new TensorSpec(suffix, new EquatableArray<int>(shape), (int)offset, new EquatableArray<int>(strides),
            (int)length, state, init, fanIn, stored, integer));
    }

    /// <summary>A region of the activation buffer: <paramref name="length"/> floats per row (or per chunk).</summary>
    public void Region(string name, long length, string description, bool perChunk = false)
    {
        if (!Fits(length, $"its {name} region ({description})", perRow: !perChunk)) return;
        long offset;
        if (perChunk)
        {
            offset = _buffers.ChunkLength;
            _buffers.ChunkLength += length;
        }
        else
        {
            offset = _buffers.RowLength;
            _buffers.RowLength += length;
        }
        if (_buffers.Overflowed) return;
        _regions.Add(new Region(name, (int)offset, (int)length, perChunk, description));
    }

    /// <summary>
    /// The layer is run by the previous layer's kernel (which <see cref="LayerFusion.TakesNext"/>): its <c>Output</c> region is
    /// the previous layer's, allocating nothing, so that the next layer reads it and its gradient lands where the previous
    /// layer's backward pass reads it.
    /// </summary>
    public void AliasOutput()
    {
        Region output = Previous?.FindRegion("Output") ?? throw new System.InvalidOperationException($"{Name} has no previous output to alias");
        _regions.Add(output with { Description = $"{Previous.Name}'s output: {Name} is fused into its kernel" });
        Fusion = LayerFusion.IntoPrevious;
    }

    /// <summary>The output region (every layer has one) and, for GELU and SiLU, the pre-activation its derivative needs.</summary>
    public void OutputRegions(ActivationShape output, ActivationKind activation)
    {
        long exact = ActivationShape.ExactRowLength(output.Kind, output.Dims.AsSpan().ToArray());
        if (!Fits(exact, $"its output {output.Text}", perRow: true)) return;
        Region("Output", output.RowLength, output.Positions == 1
            ? (output.PositionStride == output.Channels ? $"[ChunkRows, {output.Channels}]" : $"[ChunkRows, {output.PositionStride}] ({output.Channels} + padding)")
            : $"{output.Text} as [ChunkRows, {output.Positions}, {output.PositionStride}] (channels last)");
        if (activation is ActivationKind.GELU or ActivationKind.SiLU)
            Region("PreActivation", output.RowLength, $"{activation}'s input");
    }
}
