using System.Globalization;
using System.Linq;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Writes a network's class: sizes and buffer layout, construction, inference, training and weight IO. Each layer's own
/// forward and backward methods come from its kind's home (<see cref="Layers.LayerDefinition"/>).
/// </summary>
internal static class NetworkEmitter
{
    /// <summary>
    /// The generator's version, from its assembly (the repository's <c>Version</c>): the informational version without
    /// its build metadata (<c>0.1.0+commit</c> → <c>0.1.0</c>), so that generated code does not change with every commit.
    /// </summary>
    internal static string GeneratorVersion { get; } = ReadGeneratorVersion();

    private static string ReadGeneratorVersion()
    {
        System.Reflection.Assembly assembly = typeof(NetworkEmitter).Assembly;
        string? version = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
            version = System.Reflection.CustomAttributeExtensions
                .GetCustomAttribute<System.Reflection.AssemblyFileVersionAttribute>(assembly)?.Version;
        if (string.IsNullOrEmpty(version)) version = assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        int metadata = version!.IndexOf('+');
        return metadata < 0 ? version : version.Substring(0, metadata);
    }

    /// <param name="network">The network.</param>
    /// <param name="inlineArrays">Whether the compilation has C# 12 inline arrays, for the sample buffer types.</param>
    public static GeneratedFile Emit(ShapedNetwork network, bool inlineArrays)
    {
        var w = new CodeWriter();
        NetworkSpec spec = network.Spec;
        WriteHeader(w, network);
        if (spec.Namespace is not null)
        {
            w.Open("namespace " + spec.Namespace);
        }
        foreach (string containingType in spec.ContainingTypes)
            w.Open(containingType);

        WriteClassDocs(w, network);
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"StaticNet.Generator\", \"{GeneratorVersion}\")]");
        string interfaceName = IsTrainable(network) ? "global::StaticNet.ITrainableNetwork" : "global::StaticNet.INetwork";
        if (IsTrainable(network) && network.UsesRandom) interfaceName += ", global::StaticNet.IRandomStateNetwork";
        w.Open($"partial class {spec.ClassIdentifier} : {interfaceName}");
        WriteSizes(w, network);
        if (inlineArrays) WriteBufferTypes(w, network);
        if (inlineArrays && SeveralInputsEmitter.Applies(network)) SeveralInputsEmitter.WriteBufferTypes(w, network);
        WriteLayout(w, network);
        WriteFieldsAndConstructors(w, network);
        WriteInference(w, network);
        if (network.TakesTokens) WriteTokenInterface(w, network);
        if (StepEmitter.Supports(network)) StepEmitter.Write(w, network);
        if (IsTrainable(network)) WriteTraining(w, network);
        if (SeveralInputsEmitter.Applies(network))
            SeveralInputsEmitter.Write(w, network);
        if (HeadsEmitter.Applies(network))
            HeadsEmitter.Write(w, network);
        WriteWeightsIO(w, network);
        ExportEmitter.Write(w, network);
        if (spec.EmbeddedWeights is not null) WriteEmbeddedWeights(w, network);
        if (spec.Onnx is not null) OnnxEmitter.WriteOnnxWeights(w, network);
        var wiring = new Wiring(network);
        WritePasses(w, wiring);
        foreach (ShapedLayer layer in network.Layers)
            layer.Definition.WriteMethods(w, wiring, layer);
        w.Close();

        foreach (string _ in spec.ContainingTypes)
            w.Close();
        if (spec.Namespace is not null)
            w.Close();

        // The hint name is the full name, without '@' and with anything unusual as '_'; the generator disambiguates names
        // that then coincide, or differ only in case (NetworkGenerator.AssignHintNames).
        string identity = string.Join(".", new[] { spec.Namespace }.Concat(spec.ContainingTypes.Select(t => t.Split(' ').Last()))
            .Concat(new[] { spec.ClassIdentifier }).Where(part => part is not null)).Replace("@", "");
        return new GeneratedFile(Identifiers.HintPart(identity), w.ToString(), identity);
    }

    private static bool IsTrainable(ShapedNetwork network) => network.Spec.Loss != LossKind.None;

    /// <summary>Whether a layer keeps training statistics per chunk (BatchNorm), folded into the state after the chunks ran.</summary>
    internal static bool HasStatistics(ShapedNetwork network) => network.Layers.Any(l => l.Definition.CommitStatisticsCall(l) is not null);

    /// <summary>Whether the parameter buffer holds state the optimizer never sees (BatchNorm's running statistics).</summary>
    private static bool HasState(ShapedNetwork network) => network.TrainableLength != network.ParameterBufferLength;

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Topology(ShapedNetwork network) =>
        string.Join(" → ", new[] { network.Input.Text }.Concat(network.Layers.Where(ShowsInTopology).Select(l => l.Output.Text)));

    /// <summary>Layers that change the shape; Dropout, BatchNorm and stand-alone activations do not, so the one-line topology leaves them out.</summary>
    private static bool ShowsInTopology(ShapedLayer layer) => layer.Definition.ShowsInTopology;

    /// <summary>The element type of an input sample: token ids for a network that starts with an Embedding.</summary>
    private static string InputElement(ShapedNetwork network) => network.TakesTokens ? "int" : "float";

    private static void WriteHeader(CodeWriter w, ShapedNetwork network)
    {
        w.Line("// <auto-generated/>");
        w.Line($"// StaticNet generated this file from the attributes on {network.Spec.ClassName}. Change the attributes, not this file.");
        w.Line("//");
        int shapeWidth = System.Math.Max(8, network.Layers.Max(l => l.Output.Text.Length));
        shapeWidth = System.Math.Max(shapeWidth, network.Input.Text.Length);
        int nameWidth = System.Math.Max(16, network.Layers.Max(l => l.Name.Length));
        bool graph = network.IsGraph; // a graph shows what each layer reads; a stack reads the layer before
        w.Line($"//   {Pad("Layer", nameWidth)} {"Kind",-13} {Pad("Output", shapeWidth)} {"Activation",-11} {"Parameters",12}" + (graph ? "  Reads" : ""));
        w.Line($"//   {Pad(graph ? network.InputName : "input", nameWidth)} {"Input",-13} {Pad(network.Input.Text, shapeWidth)} {"",-11} {0,12}");
        foreach (ShapedLayer layer in network.Layers)
            w.Line($"//   {Pad(layer.Name, nameWidth)} {layer.Definition.KindText(layer),-13} {Pad(layer.Output.Text, shapeWidth)} {layer.Definition.ActivationText(layer),-11} {N(layer.ParameterCount),12}" +
                (graph ? "  " + Reads(network, layer) : ""));
        w.Line($"//   {Pad("total", nameWidth)} {"",-13} {Pad("", shapeWidth)} {"",-11} {N(network.ParameterCount),12}");
        w.Line(HeadsEmitter.Heads(network) is { } heads
            ? "//   loss: " + string.Join(" + ", heads.Select(h => $"{Layers.LayerDefinition.Text(h.Spec.Weight)} × {h.Loss}({h.Name})"))
            : $"//   loss: {network.Spec.Loss}");
        w.Line();
        w.Line("#nullable enable");
        w.Line();
    }

    private static string Pad(string text, int width) => text.PadRight(width);

    /// <summary>What a layer of a graph reads: <c>stem_relu</c>, or a merge's operands, <c>block1.bn2, stem_relu</c>.</summary>
    private static string Reads(ShapedNetwork network, ShapedLayer layer) =>
        string.Join(", ", Enumerable.Range(0, layer.OperandCount).Select(k => network.OperandName(layer, k)));

    private static void WriteClassDocs(CodeWriter w, ShapedNetwork network)
    {
        w.Line("/// <summary>");
        w.Line($"/// A StaticNet network: {Topology(network)}, {N(network.ParameterCount)} parameters, loss {network.Spec.Loss}.");
        w.Line("/// <list type=\"table\">");
        w.Line(network.IsGraph
            ? "/// <listheader><term>Layer</term><description>Output shape · parameters · what it reads</description></listheader>"
            : "/// <listheader><term>Layer</term><description>Output shape · parameters</description></listheader>");
        w.Line($"/// <item><term>{(network.IsGraph ? Identifiers.Doc(network.InputName) : "input")}</term><description>{network.Input.Text}</description></item>");
        foreach (ShapedLayer layer in network.Layers)
        {
            string kind = layer.Definition.DocumentationText(layer);
            string reads = network.IsGraph ? " · reads " + Identifiers.Doc(Reads(network, layer)) : "";
            w.Line($"/// <item><term>{Identifiers.Doc(layer.Name)}: {kind}</term><description>{layer.Output.Text} · {N(layer.ParameterCount)}{reads}</description></item>");
        }
        w.Line("/// </list>");
        w.Line("/// </summary>");
        w.Line("/// <remarks>");
        w.Line("/// Thread safety: <c>Forward</c> and <c>ForwardBatch</c> only read the weights and keep intermediate values in");
        w.Line("/// per-thread scratch memory, so any number of threads may run inference on one instance at once, sharing one copy");
        w.Line("/// of the weights (and <c>ComputeLoss</c>, which changes nothing, likewise). Training, loading and writing <c>Parameters</c>");
        w.Line("/// must not overlap any other call on the instance: a training or loading call that would overlap another is refused with");
        w.Line("/// <see cref=\"global::System.InvalidOperationException\"/>, and so is reading <c>Parameters</c> during one.");
        if (network.HasTrainingMode)
            w.Line("/// <c>Forward</c>, <c>ForwardBatch</c> and <c>ComputeLoss</c> run in inference mode (BatchNorm's running statistics, no dropout), <c>ComputeGradients</c> and <c>TrainStep</c> in training mode, as PyTorch's <c>eval()</c> and <c>train()</c>.");
        w.Line("/// </remarks>");
    }

    private static void WriteSizes(CodeWriter w, ShapedNetwork network)
    {
        w.Line(network.TakesTokens
            ? "/// <summary>The number of token ids in one input sample.</summary>"
            : $"/// <summary>The number of floats in one input sample, {network.Input.Text} in PyTorch's order.</summary>");
        w.Line($"public const int InputSize = {network.InputSize};");
        w.Line();
        foreach (ShapedLayer slice in network.Layers)
        {
            if (slice.Kind != LayerKind.InputSlice) continue;
            w.Line($"/// <summary>Where input {Identifiers.Doc(slice.Name)} starts in a packed sample of <see cref=\"InputSize\"/> floats (the inputs one after the other, in declaration order).</summary>");
            w.Line($"public const int {slice.Identifier}InputOffset = {Layers.InputSliceLayer.Offset(slice.Spec)};");
            w.Line();
            w.Line($"/// <summary>The number of floats of input {Identifiers.Doc(slice.Name)} in one sample.</summary>");
            w.Line($"public const int {slice.Identifier}InputSize = {Layers.InputSliceLayer.Size(slice.Spec)};");
            w.Line();
        }
        w.Line($"/// <summary>The number of floats in one output sample, {network.Output.Text} (logits, before the loss's softmax or sigmoid).</summary>");
        w.Line($"public const int OutputSize = {network.OutputSize};");
        w.Line();
        if (HeadsEmitter.Heads(network) is not null) HeadsEmitter.WriteSizes(w, network);
        w.Line("/// <summary>The number of trainable parameters, counted as PyTorch counts them.</summary>");
        w.Line($"public const int ParameterCount = {network.ParameterCount};");
        w.Line();
    }

    private static void WriteBufferTypes(CodeWriter w, ShapedNetwork network)
    {
        foreach ((string name, string constant, int size, string what, string element) in new[]
                 {
                     ("InputBuffer", "InputSize", network.InputSize, "input sample", InputElement(network)),
                     ("OutputBuffer", "OutputSize", network.OutputSize, "output sample", "float"),
                 })
        {
            w.Line("/// <summary>");
            w.Line($"/// One {what}, {size} {(element == "int" ? "token ids" : "floats")}, as a value (on the stack or inline in another type). It converts to");
            w.Line($"/// <c>Span&lt;{element}&gt;</c> and <c>ReadOnlySpan&lt;{element}&gt;</c>, so <c>Forward(input, output)</c> takes it, and its size");
            w.Line("/// is checked by the type system.");
            w.Line("/// </summary>");
            w.Line($"[global::System.Runtime.CompilerServices.InlineArray({constant})]");
            w.Open($"public struct {name}");
            w.Line($"private {element} _element0;");
            w.Close();
            w.Line();
        }
    }

    private static void WriteLayout(CodeWriter w, ShapedNetwork network)
    {
        w.Line("// Parameter buffer: every tensor in the layout its kernels read fastest (Dense weights transposed to [inputs, width],");
        w.Line("// convolution weights as [kernel taps × input channels, filters]); rows are padded to multiples of 16 floats and the");
        w.Line("// padding stays zero. LoadSafetensors and SaveSafetensors map each tensor to PyTorch's layout.");
        bool state = false;
        foreach (ShapedLayer layer in network.Layers)
            foreach (TensorSpec tensor in layer.Tensors)
            {
                state |= tensor.IsState;
                if (!tensor.IsState) WriteTensorOffset(w, layer, tensor);
            }
        w.Line($"private const int TrainableLength = {network.TrainableLength};");
        if (state)
        {
            w.Line("// State the optimizer never sees (running statistics), after the trainable parameters:");
            foreach (ShapedLayer layer in network.Layers)
                foreach (TensorSpec tensor in layer.Tensors)
                    if (tensor.IsState) WriteTensorOffset(w, layer, tensor);
        }
        w.Line($"private const int ParameterBufferLength = {network.ParameterBufferLength};");
        w.Line();
        w.Line("// Activations: samples run in chunks of ChunkRows rows; each layer keeps its output (and what its backward pass");
        w.Line("// needs) in regions of ChunkRows × (floats per row), for the next layer and for the backward pass. Outputs are");
        w.Line("// [positions, channels] per sample, channels last, each position padded to a multiple of 16 floats.");
        w.Line("private const int ChunkRows = 32;");
        if (network.InputCopyOffset >= 0)
            w.Line($"private const int InputCopy = {network.InputCopyOffset} * ChunkRows; // the input {network.Input.Text}, channels last, [{network.PaddedInput.Positions}, {network.PaddedInput.PositionStride}]");
        foreach (ShapedLayer layer in network.Layers)
            foreach (Region region in layer.Regions)
                if (!region.PerChunk)
                    w.Line($"private const int {layer.Identifier}{region.Name} = {region.Offset} * ChunkRows; // {region.Description}");
        foreach (Region region in network.InputGradientRegions)
            w.Line($"private const int {region.Name} = {region.Offset} * ChunkRows; // {region.Description}");
        w.Line($"private const int RowActivationLength = {network.RowActivationLength};");
        foreach (ShapedLayer layer in network.Layers)
            foreach (Region region in layer.Regions)
                if (region.PerChunk)
                    w.Line($"private const int {layer.Identifier}{region.Name} = RowActivationLength * ChunkRows + {region.Offset}; // {region.Description}, once per chunk");
        w.Line(network.ChunkActivationLength == 0
            ? "private const int ActivationBufferLength = RowActivationLength * ChunkRows;"
            : $"private const int ActivationBufferLength = RowActivationLength * ChunkRows + {network.ChunkActivationLength};");
        w.Line();
        w.Line("// The hot methods are compiled optimised from their first call, like the kernels. MethodImplOptions.AggressiveOptimization,");
        w.Line("// by value: netstandard2.1's enum does not name it.");
        w.Line("private const global::System.Runtime.CompilerServices.MethodImplOptions AggressiveOptimization = (global::System.Runtime.CompilerServices.MethodImplOptions)512;");
        w.Line();
    }

    private static void WriteTensorOffset(CodeWriter w, ShapedLayer layer, TensorSpec tensor)
    {
        string shape = ShapeInference.Format(tensor.Shape);
        string stored = tensor.Stored == shape ? "" : $", stored as {tensor.Stored}";
        w.Line($"private const int {layer.Identifier}{tensor.ConstantSuffix} = {tensor.Offset}; // {layer.Name}.{tensor.Suffix}, PyTorch {shape}{stored}");
    }

    private static void WriteFieldsAndConstructors(CodeWriter w, ShapedNetwork network)
    {
        string className = network.Spec.ClassName;
        w.Open("private static readonly global::StaticNet.ParameterTensor[] s_parameterTensors =");
        foreach (ShapedLayer layer in network.Layers)
            foreach (TensorSpec tensor in layer.Tensors)
                w.Line($"new global::StaticNet.ParameterTensor({Identifiers.Literal(layer.Name + "." + tensor.Suffix)}, new int[] {{ {string.Join(", ", tensor.Shape)} }}, " +
                    $"{layer.Identifier}{tensor.ConstantSuffix}, strides: new int[] {{ {string.Join(", ", tensor.Strides)} }}{(tensor.IsInteger ? ", isInteger: true" : "")}),");
        w.Close(";");
        w.Line();
        w.Line("private static readonly global::System.Collections.Generic.IReadOnlyList<global::StaticNet.ParameterTensor> s_parameterTensorList =");
        w.Line("    global::System.Array.AsReadOnly(s_parameterTensors);");
        w.Line();
        WriteLayerTable(w, network);
        if (IsTrainable(network)) WriteFreezingFields(w, network);
        w.Line("/// <summary>Per-thread activations for inference, so that threads can share one instance's weights.</summary>");
        w.Line("[global::System.ThreadStatic]");
        w.Line("private static global::StaticNet.Kernels.AlignedBuffer? t_inferenceActivations;");
        w.Line();
        w.Line("private readonly global::StaticNet.Kernels.AlignedBuffer _parameters = new(ParameterBufferLength);");
        if (IsTrainable(network))
        {
            w.Line("private readonly global::StaticNet.Kernels.AlignedBuffer _gradients = new(TrainableLength);");
            w.Line("private readonly global::StaticNet.Kernels.AlignedBuffer _activations = new(ActivationBufferLength);");
            w.Line("private readonly global::StaticNet.Kernels.AlignedBuffer _deltas = new(ActivationBufferLength);");
        }
        if (IsTrainable(network) && network.UsesRandom)
            w.Line("private ulong _random; // Dropout's generator state, seeded by the constructor");
        if (IsTrainable(network) && HasState(network))
            w.Line("private readonly float[] _stateBackup = new float[ParameterBufferLength - TrainableLength]; // the running statistics before a training call, restored if it fails");
        w.Line("private int _exclusive; // 1 while a training or loading call runs, to refuse an overlapping one from another thread");
        w.Line();
        w.Line("/// <summary>Creates the network with PyTorch's default initialisation, from a random seed.</summary>");
        w.Line($"public {network.Spec.ClassIdentifier}() : this(new global::System.Random().Next())");
        w.Line("{");
        w.Line("}");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Creates the network with PyTorch's default initialisation: weights and biases of Dense, convolution and recurrent");
        w.Line("/// layers drawn from U(−1/√fan_in, 1/√fan_in) (fan_in = hidden size for recurrent ones), embeddings from N(0, 1),");
        w.Line("/// BatchNorm at weight 1, bias 0 and running statistics 0 and 1. The same seed gives the same weights (and dropout draws).");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"seed\">The seed of the random draws.</param>");
        w.Open($"public {network.Spec.ClassIdentifier}(int seed)");
        w.Line("var random = new global::System.Random(seed);");
        w.Line("global::System.Span<float> parameters = _parameters.Span;");
        int index = 0;
        foreach (ShapedLayer layer in network.Layers)
            foreach (TensorSpec tensor in layer.Tensors)
            {
                string initializer = "global::StaticNet.Kernels.ParameterInitializer.";
                string? line = tensor.Init switch
                {
                    TensorInit.UniformFanIn => $"{initializer}UniformFanIn(s_parameterTensors[{index}], fanIn: {tensor.FanIn}, random, parameters);",
                    TensorInit.Normal => $"{initializer}StandardNormal(s_parameterTensors[{index}], random, parameters);",
                    TensorInit.Ones => $"{initializer}Fill(s_parameterTensors[{index}], 1f, parameters);",
                    _ => null, // zeros: the buffer starts cleared
                };
                if (line is not null) w.Line(line);
                index++;
                if (tensor == layer.Tensors[layer.Tensors.Count - 1] && layer.Definition.AfterInitialization(layer) is { } after)
                    w.Line(after);
            }
        if (IsTrainable(network) && network.UsesRandom)
            w.Line("_random = (ulong)(uint)random.Next() << 32 | (uint)random.Next();");
        if (network.Spec.Onnx is not null)
            w.Line("global::StaticNet.IO.OnnxWeights.Load(typeof(" + network.Spec.ClassIdentifier + ").Assembly, s_onnxResource, s_parameterTensors, s_onnxSources, parameters); // the imported model's weights");
        w.Close();
        w.Line();
        w.Line(network.TrainableLength == network.ParameterBufferLength
            ? "/// <summary>Every trainable parameter in the internal layout (transposed, padded weights); see <c>ParameterTensors</c>.</summary>"
            : "/// <summary>Every parameter in the internal layout: the trainable ones (the first <c>Gradients.Length</c> floats), then the running statistics; see <c>ParameterTensors</c>.</summary>");
        w.Line("/// <remarks>Not to be used while a training or loading call runs on another thread; a read that sees one throws <see cref=\"global::System.InvalidOperationException\"/>.</remarks>");
        w.Open("public global::System.Span<float> Parameters");
        w.Open("get");
        w.Line($"if (global::System.Threading.Volatile.Read(ref _exclusive) != 0) throw global::StaticNet.Kernels.Guard.Overlapping(nameof(Parameters), \"{className}\");");
        w.Line("return _parameters.Span;");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>Marks the start of a training or loading call; refuses one that would overlap another on this instance.</summary>");
        w.Open("private void EnterExclusive(string operation)");
        w.Line("if (global::System.Threading.Interlocked.CompareExchange(ref _exclusive, 1, 0) != 0)");
        w.Line($"    throw global::StaticNet.Kernels.Guard.Overlapping(operation, \"{className}\");");
        w.Close();
        w.Line();
        w.Line("private void ExitExclusive() => global::System.Threading.Volatile.Write(ref _exclusive, 0);");
        w.Line();
        w.Line("/// <summary>The network's tensors: PyTorch names and shapes, and where each lives in <c>Parameters</c>.</summary>");
        w.Line("public global::System.Collections.Generic.IReadOnlyList<global::StaticNet.ParameterTensor> ParameterTensors => s_parameterTensorList;");
        w.Line();
        w.Line("int global::StaticNet.INetwork.InputSize => InputSize;");
        w.Line();
        w.Line("int global::StaticNet.INetwork.OutputSize => OutputSize;");
        w.Line();
        w.Line("int global::StaticNet.INetwork.ParameterCount => ParameterCount;");
        w.Line();
        w.Line("global::System.Collections.Generic.IReadOnlyList<global::StaticNet.LayerInfo> global::StaticNet.INetwork.Layers => Layers;");
        w.Line();
        if (IsTrainable(network) && network.UsesRandom)
        {
            w.Line("ulong global::StaticNet.IRandomStateNetwork.RandomState { get => _random; set => _random = value; }");
            w.Line();
        }
    }

    /// <summary>The static <c>Layers</c> table: each layer's row, its module type and multiply-adds from its home.</summary>
    private static void WriteLayerTable(CodeWriter w, ShapedNetwork network)
    {
        w.Open("private static readonly global::StaticNet.LayerInfo[] s_layers =");
        foreach (ShapedLayer layer in network.Layers)
        {
            Layers.LayerRow row = layer.Definition.Row(layer);
            w.Line($"new global::StaticNet.LayerInfo({Identifiers.Literal(layer.Name)}, \"{layer.Kind}\", {Identifiers.Literal(row.ModuleType)}, " +
                $"new int[] {{ {string.Join(", ", layer.Input.Dims)} }}, new int[] {{ {string.Join(", ", layer.Output.Dims)} }}, " +
                $"parameterCount: {layer.ParameterCount}, multiplyAdds: {row.MultiplyAdds}, trainable: {(layer.IsTrainable ? "true" : "false")}),");
        }
        w.Close(";");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The layers in order: PyTorch module name and type, input and output shapes of one sample, parameters, multiply-adds");
        w.Line("/// per sample, and whether they train as declared (<c>Trainable</c>). <c>NetworkSummary.Of</c> prints them.");
        w.Line("/// </summary>");
        w.Line("public static global::System.Collections.Generic.IReadOnlyList<global::StaticNet.LayerInfo> Layers { get; } = global::System.Array.AsReadOnly(s_layers);");
        w.Line();
    }

    /// <summary>The state of <c>Freeze</c>: which layers are frozen, the first that trains, what the optimizer steps.</summary>
    private static void WriteFreezingFields(CodeWriter w, ShapedNetwork network)
    {
        string Bool(bool value) => value ? "true" : "false";
        w.Line("// Freezing: each layer's trainable tensors in the parameter buffer, [start, end) (equal without any), and which layers");
        w.Line("// are frozen (or have no parameters): as declared (Trainable = false), then as Freeze and Unfreeze set them.");
        w.Line("private static readonly int[] s_layerParameters = { " +
            string.Join(", ", network.Layers.Select(l => $"{l.ParameterRange.Start}, {l.ParameterRange.End}")) + " };");
        w.Line("private static readonly bool[] s_declaredFrozen = { " + string.Join(", ", network.Layers.Select(l => Bool(!l.IsTrainable))) + " };");
        w.Line("private static readonly global::System.Range[]? s_declaredRanges = global::StaticNet.Kernels.Freezing.TrainableRanges(s_declaredFrozen, s_layerParameters);");
        w.Line("private readonly bool[] _frozen = (bool[])s_declaredFrozen.Clone();");
        w.Line($"private int _firstTrainable = {network.FirstTrainableLayer}; // the first layer that trains: nothing before it is backpropagated");
        w.Line("private global::System.Range[]? _trainableRanges = s_declaredRanges; // what the optimizer steps; null: everything");
        w.Line();
    }

    private static void WriteFreezing(CodeWriter w, ShapedNetwork network)
    {
        string className = network.Spec.ClassName;
        w.Line("/// <summary>");
        w.Line("/// Freezes the layer with this PyTorch module name (see <c>Layers</c>), as <c>requires_grad_(False)</c>: until <c>Unfreeze</c>,");
        w.Line("/// training leaves its parameters and their optimizer state as they are, its gradients stay zero and are not computed,");
        w.Line("/// and nothing before the first layer that trains is backpropagated. Allocates a little; not for every step.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">No layer with parameters has that name; the message lists them.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training or loading this instance.</exception>");
        w.Line("public void Freeze(string layerName) => SetFrozen(layerName, true, nameof(Freeze));");
        w.Line();
        w.Line("/// <summary>Lets a layer frozen by <c>Freeze</c> train again (not one declared <c>Trainable = false</c>).</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">No layer with parameters has that name; the message lists them.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The layer is declared <c>Trainable = false</c>, or another thread is training or loading this instance.</exception>");
        w.Line("public void Unfreeze(string layerName) => SetFrozen(layerName, false, nameof(Unfreeze));");
        w.Line();
        w.Line("/// <summary>Whether the layer with this module name is frozen (by <c>Freeze</c> or <c>Trainable = false</c>).</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">No layer with parameters has that name; the message lists them.</exception>");
        w.Line($"public bool IsFrozen(string layerName) => _frozen[global::StaticNet.Kernels.Freezing.Layer(s_layers, layerName, \"{className}\")];");
        w.Line();
        w.Open("private void SetFrozen(string layerName, bool frozen, string operation)");
        w.Line($"int layer = global::StaticNet.Kernels.Freezing.Layer(s_layers, layerName, \"{className}\");");
        w.Line($"if (!frozen && s_declaredFrozen[layer]) throw global::StaticNet.Kernels.Freezing.DeclaredFrozen(layerName, \"{className}\");");
        w.Line("EnterExclusive(operation);");
        w.Open("try");
        w.Line("_frozen[layer] = frozen;");
        w.Line("_firstTrainable = global::StaticNet.Kernels.Freezing.FirstTrainable(_frozen);");
        w.Line("_trainableRanges = global::StaticNet.Kernels.Freezing.TrainableRanges(_frozen, s_layerParameters);");
        w.Close();
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
    }

    /// <summary>The statement that copies <c>rows</c> samples' outputs from the last layer's padded region to the caller's span.</summary>
    private static string CopyOutputs(ShapedNetwork network, string destination, string rows)
    {
        ActivationShape output = network.Output;
        string region = $"activations.Slice({network.OutputLayer.Identifier}Output, {rows} * {output.RowLength})";
        string outputRows = output.Positions == 1 ? rows : $"{rows} * {output.Positions}";
        return $"global::StaticNet.Kernels.Guard.CopyRows({region}, {output.PositionStride}, {destination}, {output.Channels}, {outputRows});";
    }

    private static void WriteInference(CodeWriter w, ShapedNetwork network)
    {
        string className = network.Spec.ClassName;
        string element = InputElement(network);
        string inputText = network.TakesTokens ? $"{network.InputSize} token ids" : $"{ShapeInference.Floats(network.InputSize)} ({network.Input.Text})";
        w.Line("/// <summary>Runs one sample through the network. Allocates nothing after the calling thread's first call.</summary>");
        w.Line($"/// <param name=\"input\">Exactly {inputText}.</param>");
        w.Line($"/// <param name=\"output\">Exactly {ShapeInference.Floats(network.OutputSize)} ({network.Output.Text}), overwritten with the logits.</param>");
        w.Hot();
        w.Open($"public void Forward(global::System.ReadOnlySpan<{element}> input, global::System.Span<float> output)");
        w.Line($"global::StaticNet.Kernels.Guard.SampleLength(input.Length, InputSize, nameof(input), \"{className}\");");
        w.Line($"global::StaticNet.Kernels.Guard.SampleLength(output.Length, OutputSize, nameof(output), \"{className}\");");
        w.Line("global::System.Span<float> activations = InferenceActivations();");
        w.Line("ForwardRows(_parameters.Span, input, activations, rows: 1);");
        w.Line(network.Output.Positions == 1 || network.Output.PositionStride == network.Output.Channels
            ? $"activations.Slice({network.OutputLayer.Identifier}Output, OutputSize).CopyTo(output);"
            : CopyOutputs(network, "output", "1"));
        w.Close();
        w.Line();
        w.Line("/// <summary>Runs n samples through the network. Allocates nothing after the calling thread's first call.</summary>");
        w.Line($"/// <param name=\"inputs\">n × {network.InputSize} {(network.TakesTokens ? "token ids" : "floats")}, one sample after another.</param>");
        w.Line($"/// <param name=\"outputs\">n × {network.OutputSize} floats, overwritten with the logits.</param>");
        w.Hot();
        w.Open($"public void ForwardBatch(global::System.ReadOnlySpan<{element}> inputs, global::System.Span<float> outputs)");
        w.Line($"int count = global::StaticNet.Kernels.Guard.BatchRows(inputs.Length, InputSize, outputs.Length, OutputSize, nameof(outputs), \"{className}\");");
        w.Line("// More than one chunk: the chunks on the worker threads, unless another parallel call holds them.");
        w.Line("if (count > ChunkRows && _maxDegreeOfParallelism > 1 && InferenceBatch().TryRunInference(inputs, outputs, count, _maxDegreeOfParallelism)) return;");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Line("global::System.Span<float> activations = InferenceActivations();");
        w.Open("for (int start = 0; start < count; start += ChunkRows)");
        w.Line("int rows = global::System.Math.Min(ChunkRows, count - start);");
        w.Line("ForwardRows(parameters, inputs.Slice(start * InputSize, rows * InputSize), activations, rows);");
        w.Line(CopyOutputs(network, "outputs.Slice(start * OutputSize, rows * OutputSize)", "rows"));
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>One chunk of a parallel <c>ForwardBatch</c>, on a worker thread, in that thread's activations.</summary>");
        w.Hot();
        w.Open("private void InferChunk(global::StaticNet.Kernels.ParallelBatch batch, int chunk, int slot, global::System.Span<float> gradients)");
        w.Line("int start = chunk * ChunkRows, rows = global::System.Math.Min(ChunkRows, batch.Count - start);");
        w.Line("global::System.Span<float> activations = InferenceActivations();");
        w.Line($"ForwardRows(_parameters.Span, batch.Inputs<{element}>().Slice(start * InputSize, rows * InputSize), activations, rows);");
        w.Line(CopyOutputs(network, "batch.Outputs.Slice(start * OutputSize, rows * OutputSize)", "rows"));
        w.Close();
        w.Line();
        w.Line("private global::StaticNet.Kernels.ParallelBatch InferenceBatch()");
        w.Line("{");
        w.Line("    if (_inference is null) global::System.Threading.Interlocked.CompareExchange(ref _inference, new global::StaticNet.Kernels.ParallelBatch(InferChunk, 0, 0, 0, null, null), null);");
        w.Line("    return _inference;");
        w.Line("}");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The most threads one <c>ForwardBatch</c>, <c>ComputeGradients</c> or <c>TrainStep</c> runs its 32-row chunks on (the");
        w.Line("/// calling thread and persistent worker threads), never more than the batch has chunks. The default is the machine's");
        w.Line("/// logical processors; 1 runs everything on the calling thread. The results do not depend on it: the chunks' gradients");
        w.Line("/// are added in chunk order, and each chunk's dropout mask and BatchNorm statistics depend on the chunk's index only.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">Set to less than 1.</exception>");
        w.Line("public int MaxDegreeOfParallelism");
        w.Line("{");
        w.Line("    get => _maxDegreeOfParallelism;");
        w.Line("    set => _maxDegreeOfParallelism = global::StaticNet.Kernels.ParallelBatch.CheckDegree(value, nameof(MaxDegreeOfParallelism));");
        w.Line("}");
        w.Line();
        w.Line("private int _maxDegreeOfParallelism = global::StaticNet.Kernels.ParallelBatch.DefaultDegreeOfParallelism;");
        w.Line("private global::StaticNet.Kernels.ParallelBatch? _inference; // ForwardBatch's chunks on the worker threads, created by the first such call");
        w.Line();
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Line("private static global::System.Span<float> InferenceActivations() =>");
        w.Line("    (t_inferenceActivations ??= new global::StaticNet.Kernels.AlignedBuffer(ActivationBufferLength)).Span;");
        w.Line();
    }

    /// <summary>
    /// A token network's public methods take <c>ReadOnlySpan&lt;int&gt;</c>; the interfaces (and so the <c>Trainer</c>)
    /// pass floats, which these explicit implementations turn into ids.
    /// </summary>
    private static void WriteTokenInterface(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        string ids(string argument) => $"global::StaticNet.Kernels.Guard.TokenIds({argument}, ref t_tokens, nameof({argument}), \"{name}\")";
        w.Line("/// <summary>Per-thread token ids for the interfaces' float inputs.</summary>");
        w.Line("[global::System.ThreadStatic]");
        w.Line("private static int[]? t_tokens;");
        w.Line();
        w.Line("void global::StaticNet.INetwork.Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output) =>");
        w.Line($"    Forward({ids("input")}, output);");
        w.Line();
        w.Line("void global::StaticNet.INetwork.ForwardBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs) =>");
        w.Line($"    ForwardBatch({ids("inputs")}, outputs);");
        w.Line();
        if (!IsTrainable(network)) return;
        string targets = "global::System.ReadOnlySpan<float> targets";
        w.Line($"float global::StaticNet.ITrainableNetwork.ComputeLoss(global::System.ReadOnlySpan<float> inputs, {targets}) =>");
        w.Line($"    ComputeLoss({ids("inputs")}, targets);");
        w.Line();
        w.Line($"float global::StaticNet.ITrainableNetwork.ComputeGradients(global::System.ReadOnlySpan<float> inputs, {targets}) =>");
        w.Line($"    ComputeGradients({ids("inputs")}, targets);");
        w.Line();
        w.Line($"float global::StaticNet.ITrainableNetwork.TrainStep(global::System.ReadOnlySpan<float> inputs, {targets}, global::StaticNet.Optimizers.Optimizer optimizer) =>");
        w.Line($"    TrainStep({ids("inputs")}, targets, optimizer);");
        w.Line();
    }

    private static void WriteTraining(CodeWriter w, ShapedNetwork network)
    {
        string className = network.Spec.ClassName;
        LossKind loss = network.Spec.Loss;
        ActivationShape output = network.Output;
        bool heads = HeadsEmitter.Heads(network) is not null; // several outputs: Σ weight·loss over the heads, float targets only
        bool hasLabels = loss == LossKind.SoftmaxCrossEntropy && !heads;
        string lossText = heads ? HeadsEmitter.LossText(network) : loss switch
        {
            LossKind.MeanSquaredError => "the mean squared error over every output of every sample",
            LossKind.BinaryCrossEntropy => "the binary cross-entropy of the sigmoid of the logits, averaged over every output of every sample",
            LossKind.Huber => $"the Huber (smooth L1, β = {Layers.LayerDefinition.Text(network.Spec.HuberBeta)}) loss over every output of every sample",
            LossKind.L1 => "the mean absolute error over every output of every sample",
            _ => "the cross-entropy of the softmax of the logits, averaged over the samples",
        };

        w.Line("/// <summary>The loss this network minimises.</summary>");
        w.Line($"global::StaticNet.Loss global::StaticNet.ITrainableNetwork.Loss => global::StaticNet.Loss.{loss};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The gradient of the last <c>ComputeGradients</c> or <c>TrainStep</c>, in the layout of <c>Parameters</c>; after one that");
        w.Line("/// threw <c>TrainingDivergedException</c>, that call's (non-finite) gradient, for diagnosis.");
        w.Line("/// </summary>");
        w.Line("public global::System.Span<float> Gradients => _gradients.Span;");
        w.Line();

        int positions = output.Positions;
        string steps = positions == 1 ? "" : $" × {positions} steps";
        WriteTrainingOverloads(w, network, "targets", "global::System.ReadOnlySpan<float>", $"n × {network.OutputSize} floats",
            "targets, default", lossText + PenaltyText(network));
        if (hasLabels)
            WriteTrainingOverloads(w, network, "labels", "global::System.ReadOnlySpan<int>", $"n{steps} class indices in [0, {output.Channels})",
                "default, labels", lossText + PenaltyText(network));

        string element = InputElement(network);
        w.Line("/// <summary>Forward, loss and (optionally) backward over every chunk of the batch; returns the mean loss.</summary>");
        w.Hot();
        w.Open($"private float Evaluate(global::System.ReadOnlySpan<{element}> inputs, global::System.ReadOnlySpan<float> targets, " +
            "global::System.ReadOnlySpan<int> labels, global::System.ReadOnlySpan<float> weights, bool computeGradients)");
        w.Line("int count = labels.IsEmpty");
        w.Line($"    ? global::StaticNet.Kernels.Guard.BatchRows(inputs.Length, InputSize, targets.Length, OutputSize, nameof(targets), \"{className}\", requireSamples: true)");
        w.Line($"    : global::StaticNet.Kernels.Guard.BatchRows(inputs.Length, InputSize, labels.Length, {positions}, nameof(labels), \"{className}\", requireSamples: true);");
        w.Line($"if (!weights.IsEmpty) global::StaticNet.Kernels.Guard.SampleWeights(weights, count, \"{className}\"); // before anything changes");
        if (hasLabels)
            w.Line($"if (!labels.IsEmpty) global::StaticNet.Kernels.Guard.Labels(labels, {output.Channels}, \"{className}\"); // before anything changes");
        string divisor = heads || loss == LossKind.SoftmaxCrossEntropy ? (positions == 1 ? "count" : $"count * {positions}") : "count * OutputSize";
        string over = heads ? "samples (each head's loss weighted and divided by its own count)" : loss == LossKind.SoftmaxCrossEntropy ? (positions == 1 ? "samples" : "samples and steps") : "every output";
        w.Line($"float scale = 1f / ({divisor}); // the loss is a mean over {over}");
        bool statistics = HasStatistics(network);
        w.Open("if (computeGradients)");
        w.Line("// The chunks on up to MaxDegreeOfParallelism threads; the gradient, the losses and the statistics are combined in chunk");
        w.Line("// order, so the result does not depend on the number of threads.");
        w.Line("global::StaticNet.Kernels.ParallelBatch batch = _training ??= new global::StaticNet.Kernels.ParallelBatch(TrainChunk, ActivationBufferLength, TrainableLength, " +
            (statistics ? "ParameterBufferLength - TrainableLength" : "0") + ", _activations, _deltas, overwrites: true); // TrainChunk overwrites its buffer");
        w.Line("batch.Scale = scale;");
        if (Layers.DenseLayer.DeferralRequest(network) is { } deferral) w.Line(deferral);
        if (network.UsesRandom)
        {
            w.Line("batch.Seed = _random; // each chunk's dropout stream is a function of this and the chunk's index");
            w.Line("_random = global::StaticNet.Kernels.DropoutKernels.NextCallState(_random);");
        }
        w.Line("batch.RunTraining(inputs, targets, labels, weights, count, _gradients.Span, _maxDegreeOfParallelism);");
        w.Line("int chunks = global::StaticNet.Kernels.ParallelBatch.Chunks(count);");
        if (statistics)
        {
            w.Line("global::System.Span<float> state = _parameters.Span;");
            w.Line("for (int chunk = 0; chunk < chunks; chunk++) CommitStatistics(state, batch.ChunkState(chunk)); // BatchNorm's running statistics, chunk after chunk");
        }
        w.Line("double total = 0;");
        w.Line("for (int chunk = 0; chunk < chunks; chunk++) total += batch.Loss(chunk);");
        w.Line("return (float)(total * scale);");
        w.Close();
        w.Line("// ComputeLoss: more than one chunk on the worker threads, unless another parallel call holds them; the chunks' losses");
        w.Line("// are added in chunk order either way.");
        w.Line("if (count > ChunkRows && _maxDegreeOfParallelism > 1 && LossBatch().TryRunLoss(inputs, targets, labels, count, scale, _maxDegreeOfParallelism, out double parallelSum))");
        w.Line("    return (float)(parallelSum * scale);");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Line("// ComputeLoss uses the calling thread's scratch, as Forward, so that threads can share it.");
        w.Line("global::System.Span<float> activations = InferenceActivations();");
        w.Line("double sum = 0;");
        w.Open("for (int start = 0; start < count; start += ChunkRows)");
        w.Line("int rows = global::System.Math.Min(ChunkRows, count - start);");
        w.Line($"global::System.ReadOnlySpan<{element}> x = inputs.Slice(start * InputSize, rows * InputSize);");
        w.Line("ForwardRows(parameters, x, activations, rows);");
        string region = network.OutputLayer.Identifier + "Output";
        w.Line($"global::System.ReadOnlySpan<float> logits = activations.Slice({region}, rows * {output.RowLength});");
        string kernel = "global::StaticNet.Kernels.LossKernels." + loss;
        string lossRows = positions == 1 ? "rows" : $"rows * {positions}";
        string beta = loss == LossKind.Huber ? ", beta: " + Layers.LayerDefinition.Literal(network.Spec.HuberBeta) : "";
        string tail = $"{lossRows}, {output.Channels}, stride: {output.PositionStride}, dLogits, scale{beta}, " +
            "global::StaticNet.Kernels.LossKernels.ChunkWeights(weights, start, rows)" + (positions == 1 ? ")" : $", rowsPerWeight: {positions})");
        string labelSlice = positions == 1 ? "labels.Slice(start, rows)" : $"labels.Slice(start * {positions}, rows * {positions})";
        void WriteLoss(string target)
        {
            if (heads)
            {
                if (target != "sum +=") w.Line(target + " 0;");
                HeadsEmitter.WriteLoss(w, network, target == "sum +=" ? "sum" : "loss");
                return;
            }
            if (hasLabels)
            {
                w.Line($"{target} labels.IsEmpty");
                w.Line($"    ? {kernel}(logits, targets.Slice(start * OutputSize, rows * OutputSize), {tail}");
                w.Line($"    : {kernel}(logits, {labelSlice}, {tail};");
            }
            else
            {
                w.Line($"{target} {kernel}(logits, targets.Slice(start * OutputSize, rows * OutputSize), {tail};");
            }
        }
        w.Line("global::System.Span<float> dLogits = default;");
        WriteLoss("sum +=");
        WritePenalties(w, network, "sum", gradient: false);
        w.Close();
        w.Line("return (float)(sum * scale);");
        w.Close();
        w.Line();

        w.Line("/// <summary>One chunk of a parallel <c>ComputeLoss</c>: the inference forward pass and the loss, in the worker thread's activations.</summary>");
        w.Hot();
        w.Open("private void LossChunk(global::StaticNet.Kernels.ParallelBatch batch, int chunk, int slot, global::System.Span<float> gradients)");
        w.Line("int start = chunk * ChunkRows, rows = global::System.Math.Min(ChunkRows, batch.Count - start);");
        w.Line("global::System.Span<float> activations = InferenceActivations();");
        w.Line($"ForwardRows(_parameters.Span, batch.Inputs<{element}>().Slice(start * InputSize, rows * InputSize), activations, rows);");
        w.Line($"global::System.ReadOnlySpan<float> logits = activations.Slice({region}, rows * {output.RowLength});");
        w.Line("global::System.Span<float> dLogits = default;");
        w.Line("global::System.ReadOnlySpan<float> targets = batch.Targets;");
        if (hasLabels) w.Line("global::System.ReadOnlySpan<int> labels = batch.Labels;");
        w.Line("float scale = batch.Scale;");
        w.Line("global::System.ReadOnlySpan<float> weights = default; // ComputeLoss weighs every sample 1");
        WriteLoss("double loss =");
        WritePenalties(w, network, "loss", gradient: false);
        w.Line("batch.SetLoss(chunk, loss);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The scheduler of parallel <c>ComputeLoss</c> calls (one at a time: the pool admits one job).</summary>");
        w.Open("private global::StaticNet.Kernels.ParallelBatch LossBatch()");
        w.Line("if (_lossBatch is null) global::System.Threading.Interlocked.CompareExchange(ref _lossBatch, new global::StaticNet.Kernels.ParallelBatch(LossChunk, 0, 0, 0, null, null), null);");
        w.Line("return _lossBatch;");
        w.Close();
        w.Line();
        w.Line("private global::StaticNet.Kernels.ParallelBatch? _lossBatch; // ComputeLoss's chunks on the worker threads, created by the first such call");
        w.Line();
        w.Line("/// <summary>One chunk of a training call: the training forward pass, the loss and its gradient, the backward pass into <paramref name=\"gradients\"/>.</summary>");
        w.Hot();
        w.Open("private void TrainChunk(global::StaticNet.Kernels.ParallelBatch batch, int chunk, int slot, global::System.Span<float> gradients)");
        w.Line("int start = chunk * ChunkRows, rows = global::System.Math.Min(ChunkRows, batch.Count - start);");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Line($"global::System.ReadOnlySpan<{element}> x = batch.Inputs<{element}>().Slice(start * InputSize, rows * InputSize);");
        w.Line("global::System.Span<float> activations = batch.Activations(slot), deltas = batch.Deltas(slot);");
        if (network.HasTrainingMode)
        {
            if (network.UsesRandom)
                w.Line("ulong random = global::StaticNet.Kernels.DropoutKernels.ChunkState(batch.Seed, chunk);");
            w.Line("TrainingForwardRows(parameters, x, activations, rows" + (statistics ? ", batch.ChunkState(chunk)" : "") +
                (network.UsesRandom ? ", ref random" : "") + "); // batch statistics, dropout");
        }
        else
        {
            w.Line("ForwardRows(parameters, x, activations, rows);");
        }
        w.Line($"global::System.ReadOnlySpan<float> logits = activations.Slice({region}, rows * {output.RowLength});");
        w.Line($"global::System.Span<float> dLogits = deltas.Slice({region}, rows * {output.RowLength});");
        w.Line("global::System.ReadOnlySpan<float> targets = batch.Targets;");
        if (hasLabels) w.Line("global::System.ReadOnlySpan<int> labels = batch.Labels;");
        w.Line("float scale = batch.Scale;");
        w.Line("global::System.ReadOnlySpan<float> weights = batch.Weights;");
        WriteLoss("double loss =");
        WritePenalties(w, network, "loss", gradient: true);
        w.Line("batch.SetLoss(chunk, loss);");
        string deferredRows = Layers.DenseLayer.DeferredLayer(network) is null ? "" : $", {Layers.DenseLayer.DeferredParameter}: batch.DeferredRows(chunk)";
        w.Line(network.HasInputGradient
            ? $"BackwardRows(parameters, gradients, x, activations, deltas, rows, _frozen, _firstTrainable, inputGradient: false, overwrite: batch.OverwritesGradients{deferredRows}); // true: the buffer was not cleared"
            : $"BackwardRows(parameters, gradients, x, activations, deltas, rows, _frozen, _firstTrainable, overwrite: batch.OverwritesGradients{deferredRows}); // true: the buffer was not cleared");
        w.Close();
        w.Line();
        w.Line("private global::StaticNet.Kernels.ParallelBatch? _training; // the training calls' chunks and the workers' buffers, created by the first");
        w.Line();
        if (statistics)
        {
            w.Line("/// <summary>Folds one chunk's training statistics into the running ones in <paramref name=\"parameters\"/> and counts the chunk.</summary>");
            w.Open("private static void CommitStatistics(global::System.Span<float> parameters, global::System.ReadOnlySpan<float> statistics)");
            foreach (ShapedLayer layer in network.Layers)
                if (layer.Definition.CommitStatisticsCall(layer) is { } call) w.Line(call);
            w.Close();
            w.Line();
        }
        WriteTrainingCall(w, network);
        WriteFreezing(w, network);
        if (network.HasInputGradient) CallerGradients.Write(w, network);
    }

    /// <summary>
    /// ComputeGradients and TrainStep, all or nothing. The training forward pass updates BatchNorm's running statistics
    /// and <c>num_batches_tracked</c> in place and advances Dropout's generator, chunk by chunk; this saves them first
    /// (a copy of the small state area, and one <c>ulong</c>) and puts them back if anything throws — a non-finite loss,
    /// the optimizer refusing the step (another network's optimizer, a NaN gradient) — so that only a call that returns
    /// changes anything. Saving is cheaper than staging the new statistics elsewhere and copying them on success: one
    /// copy per call instead of two, the kernels untouched, the restore paid only on failure.
    /// </summary>
    private static void WriteTrainingCall(CodeWriter w, ShapedNetwork network)
    {
        bool state = HasState(network), random = network.UsesRandom;
        bool restores = state || random;
        w.Line("/// <summary>");
        w.Line("/// The body of ComputeGradients (no optimizer) and TrainStep: refuses to overlap another training or loading call, and");
        w.Line("/// changes nothing but <c>Gradients</c> unless it returns: the running statistics and the dropout generator are");
        w.Line("/// saved before the forward pass and restored if anything throws; the optimizer steps only after the loss is known finite.");
        w.Line("/// </summary>");
        w.Hot();
        w.Open($"private float TrainingCall(global::System.ReadOnlySpan<{InputElement(network)}> inputs, global::System.ReadOnlySpan<float> targets, " +
            "global::System.ReadOnlySpan<int> labels, global::System.ReadOnlySpan<float> weights, global::StaticNet.Optimizers.Optimizer? optimizer, string operation)");
        w.Line("EnterExclusive(operation);");
        if (state)
            w.Line("_parameters.Span.Slice(TrainableLength).CopyTo(_stateBackup); // running statistics and batch counts");
        if (random)
            w.Line("ulong random = _random; // dropout's generator");
        if (restores)
            w.Line("bool committed = false;");
        w.Open("try");
        w.Line("float loss = Evaluate(inputs, targets, labels, weights, computeGradients: true);");
        w.Line("if (!float.IsFinite(loss)) throw new global::StaticNet.TrainingDivergedException(loss);");
        string trained = network.TrainableLength == network.ParameterBufferLength ? "_parameters.Span" : "_parameters.Span.Slice(0, TrainableLength)";
        w.Line("// The optimizer's step (none for ComputeGradients) checks that the gradient is finite before changing anything, and leaves");
        w.Line(network.TrainableLength == network.ParameterBufferLength
            ? "// frozen layers' parameters and state as they are; when the chunks ran on several threads, so do its norm and update."
            : "// frozen layers (and the running statistics) as they are; when the chunks ran on several threads, so do its norm and update.");
        w.Line($"if (optimizer is not null) _training!.Step(optimizer, {trained}, _gradients.Span, this, _trainableRanges, _maxDegreeOfParallelism);");
        if (restores)
            w.Line("committed = true;");
        w.Line("return loss;");
        w.Close();
        w.Open("finally");
        if (restores)
        {
            w.Open("if (!committed)");
            if (state) w.Line("new global::System.ReadOnlySpan<float>(_stateBackup).CopyTo(_parameters.Span.Slice(TrainableLength));");
            if (random) w.Line("_random = random;");
            w.Close();
        }
        w.Line("ExitExclusive();");
        w.Close();
        w.Close();
        w.Line();
    }

    private static void WriteTrainingOverloads(CodeWriter w, ShapedNetwork network, string name, string type, string shape,
        string arguments, string lossText)
    {
        string inputsDoc = $"/// <param name=\"inputs\">n × {network.InputSize} {(network.TakesTokens ? "token ids" : "floats")}, one sample after another.</param>";
        string inputs = $"global::System.ReadOnlySpan<{InputElement(network)}> inputs";
        string targetsDoc = $"/// <param name=\"{name}\">{shape}.</param>";

        w.Line($"/// <summary>Returns {lossText}, changing nothing.</summary>");
        w.Line(inputsDoc);
        w.Line(targetsDoc);
        w.Hot();
        w.Line($"public float ComputeLoss({inputs}, {type} {name}) =>");
        w.Line($"    Evaluate(inputs, {arguments}, default, computeGradients: false);");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Returns {lossText}, and overwrites <c>Gradients</c> with its gradient. Allocates nothing.");
        w.Line("/// Runs in training mode; on success it counts the batch in BatchNorm's running statistics and advances dropout's");
        w.Line("/// generator. All or nothing: a call that throws changes nothing but <c>Gradients</c>.");
        w.Line("/// </summary>");
        w.Line(inputsDoc);
        w.Line(targetsDoc);
        w.Line("/// <exception cref=\"global::StaticNet.TrainingDivergedException\">The loss is NaN or infinite; nothing but <c>Gradients</c> (that loss's gradient) changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training or loading this instance.</exception>");
        w.Hot();
        w.Line($"public float ComputeGradients({inputs}, {type} {name}) =>");
        w.Line($"    TrainingCall(inputs, {arguments}, default, optimizer: null, nameof(ComputeGradients));");
        w.Line();
        WriteWeightedOverloads(w, name, type, inputs, inputsDoc, targetsDoc, arguments, lossText);
        w.Line("/// <summary>");
        w.Line($"/// One training step on n samples: {lossText}, its gradient, then one step of");
        w.Line("/// <paramref name=\"optimizer\"/>. Allocates nothing after the optimizer's first step.");
        w.Line("/// </summary>");
        w.Line(inputsDoc);
        w.Line(targetsDoc);
        w.Line("/// <param name=\"optimizer\">The optimizer; it binds to the first network it steps (one optimizer per network).</param>");
        w.Line("/// <returns>The mean loss before the step.</returns>");
        w.Line("/// <remarks>");
        w.Line("/// All or nothing: a call that throws leaves the weights, BatchNorm's running statistics and counts, dropout's");
        w.Line("/// generator and the optimizer's moments and step count as they were (only <c>Gradients</c> may have changed).");
        w.Line("/// </remarks>");
        w.Line("/// <exception cref=\"global::StaticNet.TrainingDivergedException\">The loss, or a gradient, is NaN or infinite; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length, or a label, is wrong; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">");
        w.Line("/// Another thread is training or loading this instance, or <paramref name=\"optimizer\"/> is bound to another network; nothing was changed.");
        w.Line("/// </exception>");
        w.Hot();
        w.Open($"public float TrainStep({inputs}, {type} {name}, global::StaticNet.Optimizers.Optimizer optimizer)");
        w.Line("if (optimizer is null) throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Line($"return TrainingCall(inputs, {arguments}, default, optimizer, nameof(TrainStep));");
        w.Close();
        w.Line();
    }

    /// <summary>
    /// <c>ComputeGradients</c> and <c>TrainStep</c> with one weight per sample: each sample's loss (and the layers' own
    /// terms, such as the KL divergence) times its weight, over the same divisor as without weights, which is PyTorch's
    /// <c>(loss_per_sample * w).mean()</c>.
    /// </summary>
    private static void WriteWeightedOverloads(CodeWriter w, string name, string type, string inputs, string inputsDoc,
        string targetsDoc, string arguments, string lossText)
    {
        const string weightsDoc = "/// <param name=\"sampleWeights\">One finite, non-negative weight per sample.</param>";
        w.Line("/// <summary>");
        w.Line($"/// As <c>ComputeGradients</c> without weights, each sample's loss multiplied by its weight: {lossText}, each sample's share");
        w.Line("/// weighted and divided by the same count as without weights, as PyTorch's <c>(loss_per_sample * w).mean()</c>");
        w.Line("/// (the weights are not normalised: all ones is the unweighted loss). Allocates nothing.");
        w.Line("/// </summary>");
        w.Line(inputsDoc);
        w.Line(targetsDoc);
        w.Line(weightsDoc);
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length, a label or a weight is wrong; nothing was changed.</exception>");
        w.Hot();
        w.Line($"public float ComputeGradients({inputs}, {type} {name}, global::System.ReadOnlySpan<float> sampleWeights) =>");
        w.Line($"    TrainingCall(inputs, {arguments}, sampleWeights, optimizer: null, nameof(ComputeGradients));");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// One training step with one weight per sample: the weighted loss of <c>ComputeGradients(inputs, targets, sampleWeights)</c>,");
        w.Line("/// its gradient, then one step of <paramref name=\"optimizer\"/>. All or nothing, as the unweighted <c>TrainStep</c>.");
        w.Line("/// </summary>");
        w.Line(inputsDoc);
        w.Line(targetsDoc);
        w.Line(weightsDoc);
        w.Line("/// <param name=\"optimizer\">The optimizer; it binds to the first network it steps (one optimizer per network).</param>");
        w.Line("/// <returns>The weighted mean loss before the step.</returns>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length, a label or a weight is wrong; nothing was changed.</exception>");
        w.Hot();
        w.Open($"public float TrainStep({inputs}, {type} {name}, global::System.ReadOnlySpan<float> sampleWeights, global::StaticNet.Optimizers.Optimizer optimizer)");
        w.Line("if (optimizer is null) throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Line($"return TrainingCall(inputs, {arguments}, sampleWeights, optimizer, nameof(TrainStep));");
        w.Close();
        w.Line();
    }

    /// <summary>The layers' own loss terms (a VAE's KL divergence), for the loss's documentation: empty without any.</summary>
    private static string PenaltyText(ShapedNetwork network)
    {
        string text = "";
        foreach (ShapedLayer layer in network.Layers)
            if (layer.Definition.PenaltyText(layer) is { } term) text += ", plus " + term;
        return text;
    }

    /// <summary>
    /// Adds the layers' own loss terms (a VAE's KL divergence) to <paramref name="sum"/>, the chunk's summed loss;
    /// <paramref name="gradient"/> in a training chunk, where each term also writes its gradient for the backward pass.
    /// </summary>
    private static void WritePenalties(CodeWriter w, ShapedNetwork network, string sum, bool gradient)
    {
        var wiring = new Wiring(network);
        foreach (ShapedLayer layer in network.Layers)
            if (layer.Definition.PenaltyCall(wiring, layer, gradient) is { } call) w.Line($"{sum} += {call};");
    }

    private static void WriteWeightsIO(CodeWriter w, ShapedNetwork network)
    {
        w.Line("/// <summary>");
        w.Line("/// Loads every tensor from a safetensors file with PyTorch's names and layouts, strictly: the file must hold exactly");
        w.Line("/// these tensors, as <c>load_state_dict(strict=True)</c>. All or nothing: on any error the weights are unchanged.");
        w.Line("/// </summary>");
        w.Open("public void LoadSafetensors(string path)");
        w.Line("using var stream = global::System.IO.File.OpenRead(path);");
        w.Line("LoadSafetensors(stream);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Loads every tensor from a safetensors stream; all or nothing: on any error the weights are unchanged.</summary>");
        w.Line("public void LoadSafetensors(global::System.IO.Stream stream) =>");
        w.Line("    LoadSafetensors(stream, new global::StaticNet.IO.SafetensorsLoadOptions());");
        w.Line();
        w.Line("/// <summary>Writes every tensor to a safetensors file with PyTorch's names and layouts (<c>weight</c> is [out, in]).</summary>");
        w.Open("public void SaveSafetensors(string path)");
        w.Line("using var stream = global::System.IO.File.Create(path);");
        w.Line("SaveSafetensors(stream);");
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Writes every tensor to a safetensors stream with PyTorch's names and layouts. Refused, as training and loading, while");
        w.Line("/// another thread trains or loads the instance (so that a file never holds a step's half-written weights).");
        w.Line("/// </summary>");
        w.Line("public void SaveSafetensors(global::System.IO.Stream stream) =>");
        w.Line("    SaveSafetensors(stream, prefix: null);");
        w.Line();
        WriteWeightsIOWithOptions(w);
    }

    /// <summary>The loading and saving overloads that take options (non-strict, prefix); the logic is in StaticNet.IO.Safetensors.</summary>
    private static void WriteWeightsIOWithOptions(CodeWriter w)
    {
        w.Line("/// <summary>Loads tensors from a safetensors file as <paramref name=\"options\"/> say (strict or not, prefix); all or nothing.</summary>");
        w.Line("/// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>");
        w.Open("public global::StaticNet.IO.SafetensorsLoadResult LoadSafetensors(string path, global::StaticNet.IO.SafetensorsLoadOptions options)");
        w.Line("using var stream = global::System.IO.File.OpenRead(path);");
        w.Line("return LoadSafetensors(stream, options);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Loads tensors from a safetensors stream as <paramref name=\"options\"/> say (strict or not, prefix); all or nothing.</summary>");
        w.Line("/// <returns>What was loaded, missing and unexpected (both empty after a strict load).</returns>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training, loading or saving this instance; nothing was changed.</exception>");
        w.Open("public global::StaticNet.IO.SafetensorsLoadResult LoadSafetensors(global::System.IO.Stream stream, global::StaticNet.IO.SafetensorsLoadOptions options)");
        w.Line("EnterExclusive(nameof(LoadSafetensors));");
        w.Line("try { return global::StaticNet.IO.Safetensors.Load(stream, s_parameterTensors, _parameters.Span, options); }");
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
        w.Line("/// <summary>Writes every tensor to a safetensors file named <paramref name=\"prefix\"/> + its PyTorch name, e.g. <c>encoder.fc1.weight</c>.</summary>");
        w.Open("public void SaveSafetensors(string path, string? prefix)");
        w.Line("using var stream = global::System.IO.File.Create(path);");
        w.Line("SaveSafetensors(stream, prefix);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Writes every tensor to a safetensors stream named <paramref name=\"prefix\"/> + its PyTorch name.</summary>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training or loading this instance (a file never holds a step's half-written weights).</exception>");
        w.Open("public void SaveSafetensors(global::System.IO.Stream stream, string? prefix)");
        w.Line("EnterExclusive(nameof(SaveSafetensors));");
        w.Line("try { global::StaticNet.IO.Safetensors.Save(stream, s_parameterTensors, _parameters.Span, prefix); }");
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
    }

    private static void WriteEmbeddedWeights(CodeWriter w, ShapedNetwork network)
    {
        string resource = network.Spec.EmbeddedWeights!;
        string literal = Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(resource, quote: true);
        w.Line("/// <summary>");
        w.Line($"/// Loads the trained weights compiled into this assembly as the resource <c>{Identifiers.Doc(resource)}</c>, in place:");
        w.Line("/// no file system, and no allocation in proportion to the weights. All or nothing, as <c>LoadSafetensors</c>.");
        w.Line("/// </summary>");
        w.Open("public void LoadEmbeddedWeights()");
        w.Line("EnterExclusive(nameof(LoadEmbeddedWeights));");
        w.Line($"try {{ global::StaticNet.IO.EmbeddedWeights.Load(typeof({network.Spec.ClassIdentifier}).Assembly, {literal}, s_parameterTensors, _parameters.Span); }}");
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
    }

    private static void WritePasses(CodeWriter w, Wiring wiring)
    {
        ShapedNetwork network = wiring.Network;
        string x = $"global::System.ReadOnlySpan<{InputElement(network)}> x";
        w.Line("/// <summary>Runs <paramref name=\"rows\"/> samples through every layer; each output stays in its region of <paramref name=\"activations\"/>.</summary>");
        w.Hot();
        w.Open($"private static void ForwardRows(global::System.ReadOnlySpan<float> parameters, {x}, global::System.Span<float> activations, int rows)");
        WriteForwardCalls(w, wiring, training: false);
        w.Close();
        w.Line();
        if (!IsTrainable(network)) return;
        if (network.HasTrainingMode)
        {
            w.Line("/// <summary>");
            w.Line("/// The training forward pass of one chunk: as <c>ForwardRows</c>, but BatchNorm normalises with the chunk's statistics and");
            w.Line("/// writes them to the chunk's <c>statistics</c>, and Dropout draws its masks from the chunk's <c>random</c>.");
            w.Line("/// </summary>");
            w.Hot();
            w.Open($"private static void TrainingForwardRows(global::System.ReadOnlySpan<float> parameters, {x}, global::System.Span<float> activations, int rows" +
                (HasStatistics(network) ? ", global::System.Span<float> statistics" : "") + (network.UsesRandom ? ", ref ulong random" : "") + ")");
            WriteForwardCalls(w, wiring, training: true);
            w.Close();
            w.Line();
        }
        w.Line("/// <summary>");
        w.Line("/// Backpropagates the loss gradient that the loss wrote into the last layer's region of <paramref name=\"deltas\"/>,");
        w.Line("/// from the last layer to the first, accumulating into <paramref name=\"gradients\"/>, or, with <paramref name=\"overwrite\"/>,");
        w.Line("/// overwriting them (what they held is not read: the weight gradient kernels that can write theirs do, the rest is cleared");
        w.Line("/// first, the same bits as accumulating into cleared gradients). Frozen layers' parameter gradients");
        w.Line("/// are not computed (they stay zero), and nothing before layer <paramref name=\"first\"/>, the first that trains, runs.");
        ShapedLayer? deferred = Layers.DenseLayer.DeferredLayer(network);
        if (deferred is not null)
        {
            w.Line($"/// When <paramref name=\"{Layers.DenseLayer.DeferredParameter}\"/> is not empty (a training call of several chunks), {Identifiers.Doc(deferred.Name)} copies its dy there");
            w.Line("/// instead of computing its weight gradient, which ParallelBatch computes after the chunks, in chunk order (the same bits).");
        }
        w.Line("/// </summary>");
        w.Hot();
        w.Open("private static void BackwardRows(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> gradients, " +
            $"{x}, global::System.Span<float> activations, global::System.Span<float> deltas, int rows, global::System.ReadOnlySpan<bool> frozen, int first" +
            (network.HasInputGradient ? ", bool inputGradient" : "") + ", bool overwrite" +
            (deferred is null ? "" : $", global::System.Span<float> {Layers.DenseLayer.DeferredParameter} = default") + ")");
        int firstTrainable = network.HasInputGradient ? 0 : network.FirstTrainableLayer; // Backward's input gradient needs every layer
        WriteOverwritePrelude(w, network, firstTrainable);
        for (int i = network.Layers.Count - 1; i >= firstTrainable; i--) // no layer before the first trainable one ever needs a gradient
        {
            ShapedLayer layer = network.Layers[i];
            if (!layer.IsLive)
            {
                w.Line($"// {layer.Name}: not backpropagated, its output reaches no output");
                continue;
            }
            string? call = layer.Definition.BackwardCall(wiring, layer);
            Region[] sums = GradientSums(layer);
            if (call is null && sums.Length == 0) continue;
            w.Line($"if (first > {i}) return;");
            foreach (Region sum in sums)
                w.Line($"global::StaticNet.Kernels.MergeKernels.Accumulate({wiring.RegionOf(layer, sum.Name, "deltas")}, {wiring.OutputDelta(layer)}, rows * {sum.Length}); // {layer.Name} is read by several layers: their gradients add up");
            if (call is null) continue;
            w.Line(call);
            if (layer.HasParameters && !layer.Definition.SkipsFrozenWork)
            {
                // A home that computes its gradients anyway: they are cleared while it is frozen.
                (int start, int end) = layer.ParameterRange;
                w.Line(layer.IsTrainable
                    ? $"if (frozen[{i}]) gradients.Slice({start}, {end - start}).Clear(); // {layer.Name} frozen"
                    : $"gradients.Slice({start}, {end - start}).Clear(); // {layer.Name}: Trainable = false");
            }
        }
        w.Close();
        w.Line();
    }

    /// <summary>
    /// <c>BackwardRows</c>' start when <c>overwrite</c> is set (a chunk's gradient buffer that was not cleared, issue 20): clears
    /// every range of the gradient that a layer accumulates into, and the ranges of the layers that overwrite theirs
    /// (<see cref="Layers.LayerDefinition.OverwrittenGradients"/>) when they will not run (frozen, or before <c>first</c>).
    /// </summary>
    private static void WriteOverwritePrelude(CodeWriter w, ShapedNetwork network, int firstTrainable)
    {
        var overwritten = new System.Collections.Generic.List<(int Start, int Length, int Layer)>();
        for (int i = firstTrainable; i < network.Layers.Count; i++)
        {
            ShapedLayer layer = network.Layers[i];
            if (!layer.IsLive) continue;
            foreach ((int start, int length) in layer.Definition.OverwrittenGradients(layer))
                if (length > 0) overwritten.Add((start, length, i));
        }
        overwritten.Sort((a, b) => a.Start.CompareTo(b.Start));
        w.Open("if (overwrite)");
        int at = 0;
        foreach ((int start, int length, _) in overwritten)
        {
            if (start < at || start + length > network.TrainableLength)
                throw new System.InvalidOperationException($"overlapping or out-of-range overwritten gradient range {start}+{length}");
            if (start > at) w.Line($"gradients.Slice({at}, {start - at}).Clear(); // accumulated into");
            at = start + length;
        }
        if (network.TrainableLength > at) w.Line($"gradients.Slice({at}, {network.TrainableLength - at}).Clear(); // accumulated into");
        foreach (var group in overwritten.GroupBy(r => r.Layer))
        {
            ShapedLayer layer = network.Layers[group.Key];
            string ranges = string.Join(" ", group.Select(r => $"gradients.Slice({r.Start}, {r.Length}).Clear();"));
            w.Line($"if (frozen[{group.Key}] || first > {group.Key}) {{ {ranges} }} // {layer.Name} does not write its gradients");
        }
        w.Close();
    }

    /// <summary>The layer's extra gradient regions (<c>Gradient2</c>, …), one for each further layer that reads its output.</summary>
    private static Region[] GradientSums(ShapedLayer layer) =>
        layer.Regions.Where(r => r.Name.StartsWith("Gradient", System.StringComparison.Ordinal)).ToArray();

    private static void WriteForwardCalls(CodeWriter w, Wiring wiring, bool training)
    {
        ShapedNetwork network = wiring.Network;
        if (network.InputCopyOffset >= 0)
        {
            ActivationShape input = network.Input, padded = network.PaddedInput;
            w.Line($"global::StaticNet.Kernels.LayoutKernels.Reorder(x, rows, positions: {input.Positions}, channels: {input.Channels}, xSample: {input.RowLength}, " +
                $"xPosition: {input.PositionStride}, xChannel: {input.ChannelStride}, activations.Slice(InputCopy, rows * {padded.RowLength}), ySample: {padded.RowLength}, " +
                $"yPosition: {padded.PositionStride}, yChannel: 1); // to channels last");
        }
        bool fuse = !training && InferenceFusion.Allowed(network);
        for (int i = 0; i < network.Layers.Count; i++)
        {
            if (fuse && InferenceFusion.TryConvPool(wiring, i, out string fused, out int last))
            {
                w.Line(fused);
                i = last;
                continue;
            }
            ShapedLayer layer = network.Layers[i];
            w.Line(layer.Definition.ForwardCall(wiring, layer, training));
        }
    }
}
