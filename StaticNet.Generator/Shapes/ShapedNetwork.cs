using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>
/// A network whose every shape is known and checked: what the emitter turns into code. All offsets are in floats.
/// </summary>
/// <param name="Spec">The declaration it came from.</param>
/// <param name="Input">The input sample's shape and layout (the user's, unpadded).</param>
/// <param name="Layers">The layers after the input, in order.</param>
/// <param name="ParameterCount">The number of trainable parameters, as PyTorch counts them.</param>
/// <param name="TrainableLength">The length of the trainable part of the parameter buffer (what the optimizer steps), padding included.</param>
/// <param name="ParameterBufferLength">The length of the whole parameter buffer: trainable parameters, then state (running statistics).</param>
/// <param name="RowActivationLength">The floats per sample row of every layer's saved values (outputs, pre-activations, caches).</param>
/// <param name="ChunkActivationLength">The floats per chunk of per-chunk saved values (e.g. batch statistics), after the row regions.</param>
/// <param name="InputCopyOffset">
/// Where the input is copied into the padded channels-last layout before the first layer (per row), or -1 when the first
/// layer reads the user's layout itself.
/// </param>
/// <param name="InputGradientRegions">
/// With <c>GradientsFromCaller</c>: where each layer that reads the input writes its gradient (one region each, in the
/// layout it reads), then <c>InputGradientScratch</c> when one of them is the channels-last copy; empty otherwise.
/// </param>
internal sealed record ShapedNetwork(
    NetworkSpec Spec,
    ActivationShape Input,
    EquatableArray<ShapedLayer> Layers,
    int ParameterCount,
    int TrainableLength,
    int ParameterBufferLength,
    int RowActivationLength,
    int ChunkActivationLength,
    int InputCopyOffset = -1,
    EquatableArray<Region> InputGradientRegions = default)
{
    /// <summary>A layer's source that is the network's input, whose gradient is not computed.</summary>
    public const int InputSource = -1;

    /// <summary>A layer's source that is the network's input, whose gradient is computed (<c>GradientsFromCaller</c>).</summary>
    public const int DifferentiatedInputSource = -2;

    /// <summary>Whether the network computes the gradient of its input (<c>[Network(GradientsFromCaller = true)]</c>).</summary>
    public bool HasInputGradient => InputGradientRegions.Count > 0;

    public ShapedLayer OutputLayer => Layers[Layers.Count - 1];

    /// <summary>
    /// Whether the layers form a graph rather than a stack: a layer reads something other than the layer before it
    /// (<c>From</c>) or several outputs (a merge). A stack's code is exactly as before graphs existed.
    /// </summary>
    public bool IsGraph
    {
        get
        {
            foreach (ShapedLayer layer in Layers)
                if (layer.OperandCount != 1 || System.Math.Max(layer.Source(0), InputSource) != layer.Index - 1)
                    return true;
            return false;
        }
    }

    /// <summary>The name of the network's input, as layers name it in <c>From</c> (<c>input</c> unless declared).</summary>
    public string InputName
    {
        get
        {
            foreach (LayerSpec layer in Spec.Layers)
                if (layer.Kind == LayerKind.Input)
                    return layer.Name ?? "input";
            return "input";
        }
    }

    /// <summary>The shape operand <paramref name="k"/> of <paramref name="layer"/> reads: a layer's output, the input, or its channels-last copy.</summary>
    public ActivationShape OperandShape(ShapedLayer layer, int k)
    {
        int source = layer.Source(k);
        if (source >= 0) return Layers[source].Output;
        return ReadsInputCopy(layer) ? PaddedInput : Input;
    }

    /// <summary>Whether the layer reads the input's channels-last copy rather than the caller's layout.</summary>
    public bool ReadsInputCopy(ShapedLayer layer) => InputCopyOffset >= 0 && layer.Definition.NeedsChannelsLastInput;

    /// <summary>The input in the padded channels-last layout (what <c>InputCopy</c> holds).</summary>
    public ActivationShape PaddedInput => ActivationShape.Padded(Input.Kind, Input.Dims.AsSpan().ToArray());

    /// <summary>The name of what operand <paramref name="k"/> of <paramref name="layer"/> reads, for comments.</summary>
    public string OperandName(ShapedLayer layer, int k) => layer.Source(k) is var source && source >= 0 ? Layers[source].Name : InputName;

    public ActivationShape Output => OutputLayer.Output;

    public int InputSize => Input.Size;

    public int OutputSize => Output.Size;

    /// <summary>Whether the network's input is token ids (its first layer is an Embedding).</summary>
    public bool TakesTokens => Layers.Count > 0 && Layers[0].Definition.TakesTokens;

    /// <summary>Whether a training forward pass differs from inference (BatchNorm statistics, Dropout).</summary>
    public bool HasTrainingMode
    {
        get
        {
            foreach (ShapedLayer layer in Layers)
                if (layer.Definition.TrainsDifferently(layer.Spec))
                    return true;
            return false;
        }
    }

    /// <summary>What one streaming time step takes (<c>StepInputSize</c>): one token id, or one step's features.</summary>
    public int StepInputSize => TakesTokens ? 1 : Input.Channels;

    /// <summary>What one streaming time step gives (<c>StepOutputSize</c>): the last layer's output for one step.</summary>
    public int StepOutputSize => Output.Channels;

    /// <summary>
    /// Whether the network gets the streaming <c>Step</c>: every layer can run one time step at a time (Embedding,
    /// recurrent layers that return sequences, Dense per step, Dropout, stand-alone activations), and at least one is recurrent.
    /// </summary>
    public bool SupportsStep => WhyNoStep is null;

    /// <summary>
    /// Why the network has no streaming <c>Step</c> (the layer that prevents it, or the missing recurrent layer), for
    /// the analyzers' SNET025; null when it has one. The one statement of the streaming rule: <see cref="SupportsStep"/>
    /// reads it.
    /// </summary>
    public string? WhyNoStep
    {
        get
        {
            bool recurrent = false;
            foreach (ShapedLayer layer in Layers)
                recurrent |= layer.Definition.IsRecurrent;
            if (!recurrent) return NoRecurrentLayer;
            if (IsGraph)
                return "it is a graph (a layer reads from another than the one before it, or merges several), which Step does not stream; call Forward";
            foreach (ShapedLayer layer in Layers)
                if (layer.Definition.WhyNoStep(layer) is { } why)
                    return why;
            return null;
        }
    }

    private const string NoRecurrentLayer =
        "it has no recurrent layer (SimpleRNN, LSTM or GRU with ReturnSequences = true) to carry state from one time step to the next; call Forward";

    /// <summary>
    /// The index of the first layer whose parameters train as declared (<see cref="ShapedLayer.IsTrainable"/>), or the
    /// layer count when none does: nothing before it is ever backpropagated.
    /// </summary>
    public int FirstTrainableLayer
    {
        get
        {
            for (int i = 0; i < Layers.Count; i++)
                if (Layers[i].IsTrainable)
                    return i;
            return Layers.Count;
        }
    }

    /// <summary>Whether any layer draws random numbers while training (Dropout).</summary>
    public bool UsesRandom
    {
        get
        {
            foreach (ShapedLayer layer in Layers)
                if (layer.Definition.DrawsRandom(layer.Spec))
                    return true;
            return false;
        }
    }
}

/// <summary>What a layer's output means, which decides what may follow it.</summary>
internal enum ShapeKind
{
    /// <summary><c>[N]</c>: features.</summary>
    Vector,

    /// <summary><c>[T, F]</c>: a time-major sequence (recurrent layers, per-step Dense).</summary>
    Sequence,

    /// <summary><c>[C, L]</c>: channels first (Conv1D, 1-D pooling).</summary>
    Spatial1D,

    /// <summary><c>[C, H, W]</c>: channels first (Conv2D, 2-D pooling).</summary>
    Spatial2D,
}

/// <summary>
/// One sample's tensor: its PyTorch shape (<see cref="Dims"/>) and how it lies in memory, as a matrix
/// [<see cref="Positions"/>, <see cref="Channels"/>] read with two strides. Layer outputs are "padded channels last":
/// <c>PositionStride = RoundUp(Channels, 16)</c>, <c>ChannelStride = 1</c>. The network's input is the user's layout,
/// unpadded: [C, H, W] and [C, L] are channels first (<c>PositionStride = 1</c>, <c>ChannelStride = positions</c>).
/// </summary>
internal sealed record ActivationShape(
    ShapeKind Kind,
    EquatableArray<int> Dims,
    int Positions,
    int Channels,
    int PositionStride,
    int ChannelStride,
    int RowLength)
{
    /// <summary>The number of values, as PyTorch counts them.</summary>
    public int Size => Positions * Channels;

    /// <summary>Height of a spatial shape (1 for 1-D).</summary>
    public int Height => Kind == ShapeKind.Spatial2D ? Dims[1] : 1;

    /// <summary>Width of a spatial shape (the length for 1-D).</summary>
    public int Width => Kind switch { ShapeKind.Spatial2D => Dims[2], ShapeKind.Spatial1D => Dims[1], _ => Positions };

    /// <summary>Whether this is the padded channels-last layout every layer writes.</summary>
    public bool IsPaddedChannelsLast => ChannelStride == 1 && PositionStride == ShapeInference.RoundUp(Channels, ShapeInference.WidthAlignment);

    /// <summary>The shape as text, e.g. <c>[16, 28, 28]</c>.</summary>
    public string Text => ShapeInference.Format(Dims);

    /// <summary>A layer output of the given kind and PyTorch shape, in the padded channels-last layout.</summary>
    public static ActivationShape Padded(ShapeKind kind, params int[] dims)
    {
        (long positions, int channels) = PositionsAndChannels(kind, dims);
        int stride = ShapeInference.RoundUp(channels, ShapeInference.WidthAlignment);
        // Saturated, never wrapped: a shape too large for int is caught by ShapeInference's size checks (ExactRowLength).
        return new ActivationShape(kind, new EquatableArray<int>(dims), ShapeInference.Saturate(positions), channels, stride, 1,
            ShapeInference.Saturate(positions * stride));
    }

    /// <summary>The floats per sample of a padded layer output of this kind and PyTorch shape, in 64 bits.</summary>
    public static long ExactRowLength(ShapeKind kind, int[] dims)
    {
        (long positions, int channels) = PositionsAndChannels(kind, dims);
        return positions * ShapeInference.RoundUp((long)channels, ShapeInference.WidthAlignment);
    }

    private static (long Positions, int Channels) PositionsAndChannels(ShapeKind kind, int[] dims) => kind switch
    {
        ShapeKind.Vector => (1, dims[0]),
        ShapeKind.Sequence => (dims[0], dims[1]),
        ShapeKind.Spatial1D => (dims[1], dims[0]),
        _ => ((long)dims[1] * dims[2], dims[0]),
    };

    /// <summary>The network's input: the user's layout, PyTorch's, unpadded.</summary>
    public static ActivationShape Unpadded(ShapeKind kind, params int[] dims)
    {
        long exact = 1;
        foreach (int d in dims) exact *= d; // checked against MaxBufferLength by InputShape before this
        int size = ShapeInference.Saturate(exact);
        return kind switch
        {
            ShapeKind.Vector => new ActivationShape(kind, new EquatableArray<int>(dims), 1, dims[0], dims[0], 1, size),
            ShapeKind.Sequence => new ActivationShape(kind, new EquatableArray<int>(dims), dims[0], dims[1], dims[1], 1, size),
            ShapeKind.Spatial1D => new ActivationShape(kind, new EquatableArray<int>(dims), dims[1], dims[0], 1, dims[1], size),
            _ => new ActivationShape(kind, new EquatableArray<int>(dims), size / dims[0], dims[0], 1, size / dims[0], size),
        };
    }
}

/// <summary>
/// A layer with its shapes and its place in the network's buffers. One record for every kind: <see cref="Spec"/> keeps
/// what the attribute said, <see cref="Window"/> the resolved geometry of convolutions and pools.
/// </summary>
/// <param name="Index">The layer's position after the input (0 for the first).</param>
/// <param name="Kind">The layer kind.</param>
/// <param name="Name">The PyTorch module path, e.g. <c>fc1</c>, <c>0</c> or (with a NamePrefix) <c>layers.0</c>.</param>
/// <param name="Identifier">A C# identifier made from the name without the prefix, e.g. <c>Fc1</c> or <c>Layer0</c>.</param>
/// <param name="Input">What the layer reads (the previous layer's output, or the network's input).</param>
/// <param name="Output">What the layer writes.</param>
/// <param name="Spec">The attribute as declared.</param>
/// <param name="Window">Convolution and pooling geometry, or null.</param>
/// <param name="Tensors">Its tensors: trainable first, then state.</param>
/// <param name="Regions">Its regions of the activation buffer: <c>Output</c> first.</param>
/// <param name="ParameterCount">Trainable parameters, as PyTorch counts them.</param>
/// <param name="Fusion">
/// Whether the layer runs a stand-alone activation that follows it (<see cref="LayerFusion.TakesNext"/>: its spec then
/// carries that activation) or is such an activation (<see cref="LayerFusion.IntoPrevious"/>: no work of its own, its
/// output region aliases the previous layer's).
/// </param>
internal sealed record ShapedLayer(
    int Index,
    LayerKind Kind,
    string Name,
    string Identifier,
    ActivationShape Input,
    ActivationShape Output,
    LayerSpec Spec,
    Window? Window,
    EquatableArray<TensorSpec> Tensors,
    EquatableArray<Region> Regions,
    int ParameterCount,
    LayerFusion Fusion = LayerFusion.None,
    EquatableArray<int> Sources = default,
    EquatableArray<string> DeltaRegions = default,
    bool IsLive = true)
{
    /// <summary>
    /// Whether it reads the network's input (its first operand is the input, not a layer's output), so that its backward
    /// pass computes no gradient for it: the first layer of a stack, or a layer with <c>From</c> naming the input.
    /// </summary>
    public bool IsFirst => Sources.Count > 0 ? Sources[0] == ShapedNetwork.InputSource : Index == 0;

    /// <summary>How many outputs it reads: one, or a merge's two or more.</summary>
    public int OperandCount => Sources.Count == 0 ? 1 : Sources.Count;

    /// <summary>
    /// The layer whose output operand <paramref name="k"/> is, or <see cref="ShapedNetwork.InputSource"/> for the network's
    /// input (<see cref="ShapedNetwork.DifferentiatedInputSource"/> when its gradient is computed).
    /// </summary>
    public int Source(int k) => Sources.Count == 0 ? Index - 1 : Sources[k];

    /// <summary>
    /// The region of the source's layer, in <c>deltas</c>, where operand <paramref name="k"/>'s gradient goes: <c>Output</c>
    /// for the lowest consumer of a value, <c>Gradient2</c>, <c>Gradient3</c>, … for the others (summed into <c>Output</c>'s
    /// before the source's backward pass).
    /// </summary>
    public string DeltaRegion(int k) => DeltaRegions.Count == 0 ? "Output" : DeltaRegions[k];

    /// <summary>Whether it has trainable tensors (not only running statistics, or none).</summary>
    public bool HasParameters
    {
        get
        {
            foreach (TensorSpec tensor in Tensors)
                if (!tensor.IsState)
                    return true;
            return false;
        }
    }

    /// <summary>Whether its parameters train as declared: it has some, and not <c>Trainable = false</c>.</summary>
    public bool IsTrainable => HasParameters && Spec.Trainable;

    /// <summary>Whether it has parameters declared <c>Trainable = false</c>: its backward pass has no code for their gradients.</summary>
    public bool IsDeclaredFrozen => HasParameters && !Spec.Trainable;

    /// <summary>Where its trainable tensors lie in the parameter buffer, [Start, End) (they are contiguous); (0, 0) without any.</summary>
    public (int Start, int End) ParameterRange
    {
        get
        {
            int start = int.MaxValue, end = 0;
            foreach (TensorSpec tensor in Tensors)
                if (!tensor.IsState)
                {
                    start = System.Math.Min(start, tensor.Offset);
                    end = System.Math.Max(end, tensor.Offset + tensor.Length);
                }
            return end == 0 ? (0, 0) : (start, end);
        }
    }

    /// <summary>The home of the layer's kind: its traits, emitter and step.</summary>
    public Layers.LayerDefinition Definition => Spec.Definition;

    /// <summary>The activation its kernels apply: the declared one, or the fused next layer's (<see cref="LayerFusion.TakesNext"/>).</summary>
    public ActivationKind Activation => Spec.Activation;

    /// <summary>The activation as declared on this layer: <see cref="Activation"/>, or None when it is the next layer's, fused.</summary>
    public ActivationKind DeclaredActivation => Fusion == LayerFusion.TakesNext ? ActivationKind.None : Spec.Activation;

    public int AttributeIndex => Spec.AttributeIndex;

    /// <summary>The region called <paramref name="name"/>, or null.</summary>
    public Region? FindRegion(string name)
    {
        foreach (Region region in Regions)
            if (region.Name == name)
                return region;
        return null;
    }

    /// <summary>The tensor called <paramref name="suffix"/> (e.g. <c>weight</c>), or null.</summary>
    public TensorSpec? FindTensor(string suffix)
    {
        foreach (TensorSpec tensor in Tensors)
            if (tensor.Suffix == suffix)
                return tensor;
        return null;
    }
}

/// <summary>The resolved geometry of a convolution or pool: kernel extent, stride, dilation, padding before each axis.</summary>
internal sealed record Window(
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    int DilationHeight,
    int DilationWidth,
    int PadTop,
    int PadLeft,
    int PadBottom,
    int PadRight);

/// <summary>How a tensor's values start.</summary>
internal enum TensorInit
{
    /// <summary>U(−1/√fan_in, 1/√fan_in): nn.Linear, nn.Conv*, nn.RNN/LSTM/GRU (with fan_in = hidden for recurrent layers).</summary>
    UniformFanIn,

    /// <summary>N(0, 1): nn.Embedding.</summary>
    Normal,

    /// <summary>All ones: BatchNorm weight, running_var.</summary>
    Ones,

    /// <summary>All zeros: BatchNorm bias, running_mean, num_batches_tracked.</summary>
    Zeros,
}

/// <summary>
/// One named tensor of a layer: its PyTorch shape and where each element lives in the parameter buffer
/// (element (i0, i1, ...) at <c>Offset + Σ ik·Strides[k]</c>).
/// </summary>
/// <param name="Suffix">The name after the module's, e.g. <c>weight</c>, <c>running_mean</c>, <c>weight_ih_l0</c>.</param>
/// <param name="Shape">PyTorch's shape.</param>
/// <param name="Offset">The first element's index in the parameter buffer.</param>
/// <param name="Strides">The internal stride of each PyTorch dimension.</param>
/// <param name="Length">The floats the tensor occupies internally, padding included.</param>
/// <param name="IsState">Whether it is a buffer (running statistics) that the optimizer never touches.</param>
/// <param name="Init">How it starts.</param>
/// <param name="FanIn">For <see cref="TensorInit.UniformFanIn"/>, the fan-in.</param>
/// <param name="Stored">How it is stored, for the generated comment, e.g. <c>[784, 128]</c>.</param>
/// <param name="IsInteger">Whether PyTorch stores it as int64 (num_batches_tracked).</param>
internal sealed record TensorSpec(
    string Suffix,
    EquatableArray<int> Shape,
    int Offset,
    EquatableArray<int> Strides,
    int Length,
    bool IsState,
    TensorInit Init,
    int FanIn,
    string Stored,
    bool IsInteger = false)
{
    /// <summary>The C# constant's name suffix, e.g. <c>Weight</c>, <c>RunningMean</c>, <c>WeightIhL0</c>, <c>OutProjWeight</c> (<c>out_proj.weight</c>).</summary>
    public string ConstantSuffix
    {
        get
        {
            var builder = new System.Text.StringBuilder();
            bool upper = true;
            foreach (char c in Suffix)
            {
                if (c is '_' or '.') { upper = true; continue; }
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return builder.ToString();
        }
    }
}

/// <summary>
/// A region of the activation buffer a layer owns. Per-row regions hold <see cref="Length"/> floats for each sample
/// of a chunk (offset and length are multiplied by the chunk's rows); per-chunk regions hold <see cref="Length"/> floats once.
/// </summary>
/// <param name="Name">E.g. <c>Output</c>, <c>PreActivation</c>, <c>Columns</c>, <c>Mask</c>.</param>
/// <param name="Offset">For a per-row region, floats per row before it; for a per-chunk region, floats into the chunk area.</param>
/// <param name="Length">Floats per row, or floats per chunk.</param>
/// <param name="PerChunk">Whether the region is per chunk rather than per row.</param>
/// <param name="Description">What it holds, for the generated comment.</param>
/// <summary>How a layer shares its kernel with a neighbour (a stand-alone activation fused into the layer before it).</summary>
internal enum LayerFusion
{
    /// <summary>The layer runs its own kernels.</summary>
    None,

    /// <summary>The layer also applies the stand-alone activation after it, as its fused activation (its spec carries it).</summary>
    TakesNext,

    /// <summary>A stand-alone activation run by the previous layer's kernel: its output region aliases that layer's.</summary>
    IntoPrevious,
}

internal sealed record Region(string Name, int Offset, int Length, bool PerChunk, string Description);

/// <summary>
/// A broken shape rule, located on one of the class's attributes. An error means the declaration cannot be generated;
/// a warning means it can, but probably does not do what the user meant.
/// </summary>
/// <param name="Id">The diagnostic ID, e.g. <c>SNET004</c>.</param>
/// <param name="AttributeIndex">The offending attribute's position among the class's attributes, or -1 for the class.</param>
/// <param name="Message">What was expected and what was found.</param>
/// <param name="IsWarning">Whether the network can still be generated.</param>
/// <param name="Properties">
/// What a code fix needs to know about the error, as key, value, key, value, …: the analyzers pass them on as the
/// diagnostic's properties (see StaticNet.CodeFixes). Empty for most errors.
/// </param>
internal sealed record ShapeError(string Id, int AttributeIndex, string Message, bool IsWarning = false, EquatableArray<string> Properties = default);

/// <summary>The result of shape inference: a network (null when an error prevents one), and every broken rule.</summary>
internal sealed record ShapeResult(ShapedNetwork? Network, EquatableArray<ShapeError> Errors);
