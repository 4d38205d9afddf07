using System.Collections.Generic;
using System.Linq;
using System.Text;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>
/// Checks a declared network and works out every shape, offset and buffer size. Pure: the generator and the analyzers
/// both call it, so they cannot disagree about a shape. The rule of each layer kind is in its home, a
/// <see cref="Layers.LayerDefinition"/>; the layout's arithmetic is <see cref="LayoutArithmetic"/>'s.
/// </summary>
internal static partial class ShapeInference
{
    /// <summary>Every internal row length is a multiple of this (one 512-bit vector of floats).</summary>
    public const int WidthAlignment = LayoutArithmetic.WidthAlignment;

    /// <summary>The largest buffer a network may need, in floats (spans index with int).</summary>
    public const long MaxBufferLength = int.MaxValue / 2;

    internal const int ChunkRowsBound = 32;

    public static ShapeResult Infer(NetworkSpec spec)
    {
        var errors = new List<ShapeError>();
        LayerSpec? input = FindInput(spec, errors);
        CheckEnums(spec, errors);
        var buffers = new BufferPlan();
        var layers = new List<ShapedLayer>();
        var identifiers = new HashSet<string>();
        var names = new HashSet<string>();

        ActivationShape? inputShape = input is null ? null : InputShape(spec, input, errors);
        string prefix = spec.NamePrefix ?? "";
        int inputIndex = -1;
        for (int l = 0; l < spec.Layers.Count && input is not null && inputIndex < 0; l++)
            if (ReferenceEquals(spec.Layers[l], input)) inputIndex = l;
        Graph graph = Graph.Resolve(spec, inputIndex, errors);
        ActivationShape? paddedInput = null;
        int inputCopyOffset = -1;
        if (inputShape is not null && !inputShape.IsPaddedChannelsLast && graph.InputNeedsChannelsLast(spec))
        {
            // Pools, BatchNorm, Dropout, stand-alone activations and merges read only the padded channels-last layout: the input is copied into it first.
            paddedInput = ActivationShape.Padded(inputShape.Kind, inputShape.Dims.AsSpan().ToArray());
            inputCopyOffset = (int)buffers.RowLength;
            buffers.RowLength += paddedInput.RowLength;
        }
        // What each declaration's output is, once shaped: its shape and its layer's index (-1: the input). A layer that
        // failed with size errors only passes its input on (so each mistake is reported once); any other failure leaves
        // null, and the layers that read it are not checked (they cannot be checked against an unknown input).
        var outputs = new ActivationShape?[spec.Layers.Count];
        var outputLayers = new int[spec.Layers.Count];
        if (inputIndex >= 0) { outputs[inputIndex] = inputShape; outputLayers[inputIndex] = -1; }
        void PassOn(int l, int[]? operands)
        {
            // A layer that is not checked leaves the value it reads to the layers that read it, so that they are still checked.
            if (operands is { Length: > 0 } && operands[0] >= 0) { outputs[l] = outputs[operands[0]]; outputLayers[l] = outputLayers[operands[0]]; }
        }
        int declared = 0; // layers as written, valid or not
        bool broken = !CheckPrefix(spec, prefix, errors) || graph.Broken;
        for (int l = 0; l < spec.Layers.Count; l++)
        {
            LayerSpec layer = spec.Layers[l];
            if (layer.Kind == LayerKind.Input) continue;
            string local = graph.LocalNames[l];
            string name = prefix + local;
            declared++;
            int[]? operands = graph.Operands[l];
            if (layer.Kind != LayerKind.Heads && !CheckName(layer, local, names, errors)) { broken = true; PassOn(l, operands); continue; }
            if (input is not null && layer.Kind != LayerKind.Heads && layer.AttributeIndex < input.AttributeIndex) // [Output]s may be written anywhere
            {
                errors.Add(new ShapeError(DiagnosticIds.LayerBeforeInput, layer.AttributeIndex,
                    $"{layer.Kind} '{name}' comes before [Input]; expected [Input] first, then the layers in order"));
                broken = true;
                PassOn(l, operands);
                continue;
            }
            if (operands is null) { broken = true; continue; } // a name that does not resolve (reported)
            var operandShapes = new (string Name, ActivationShape Shape)[operands.Length];
            var sources = new int[operands.Length];
            bool known = true;
            for (int k = 0; k < operands.Length; k++)
            {
                int j = operands[k];
                ActivationShape? shape = j == inputIndex && paddedInput is not null && layer.Definition.NeedsChannelsLastInput ? paddedInput : j >= 0 ? outputs[j] : null;
                if (shape is null) { known = false; break; }
                operandShapes[k] = (j == inputIndex ? graph.LocalNames[j] : prefix + graph.LocalNames[j], shape);
                sources[k] = outputLayers[j];
            }
            ShapedLayer? previous = known && sources[0] >= 0 ? layers[sources[0]] : null;
            // A stand-alone activation that the layer's own kernel can apply exactly is fused into it: the layer is shaped
            // with that activation (its numbering and name stay as declared), and the activation's home aliases its output.
            // Not when the activation reads from elsewhere, or something else reads the layer's output before the activation.
            LayerSpec shapedSpec = layer;
            LayerFusion fusion = LayerFusion.None;
            if (NextLayer(spec, l) is { } next && next.From is null && !graph.ReadElsewhere(l) && next.Definition.FusesInto(next, layer))
            {
                shapedSpec = layer with { Activation = next.Activation };
                fusion = LayerFusion.TakesNext;
            }
            var context = new LayerContext(spec, shapedSpec, name, local, layers.Count, errors, buffers, previous, fusion);
            if (known) context.Operands = operandShapes;
            int errorsBefore = errors.Count;
            ShapedLayer? shaped = !known ? null : Apply(context, operandShapes[0].Shape, identifiers);
            if (shaped is null)
            {
                if (known && errors.Count > errorsBefore && errors.GetRange(errorsBefore, errors.Count - errorsBefore).TrueForAll(e => e.Id == DiagnosticIds.NonPositiveSize))
                {
                    outputs[l] = operandShapes[0].Shape;
                    outputLayers[l] = sources[0];
                }
                broken = true;
                continue;
            }
            shaped = shaped with { Sources = new EquatableArray<int>(sources) };
            layers.Add(shaped);
            outputs[l] = shaped.Output;
            outputLayers[l] = shaped.Index;
            if (buffers.Overflowed)
            {
                errors.Add(new ShapeError(DiagnosticIds.TooLarge, layer.AttributeIndex,
                    $"{layer.Kind} '{name}' ({shaped.Input.Text} → {shaped.Output.Text}) takes the network past {MaxBufferLength:N0} floats of parameters or activations; expected a network that fits in one buffer"));
                broken = true;
                break;
            }
        }

        if (!broken && layers.Count > 0)
            WireGradients(layers, buffers, errors);
        Region[] inputGradients = !broken && layers.Count > 0 && inputShape is not null && spec.GradientsFromCaller && spec.Loss != LossKind.None && !layers[0].Definition.TakesTokens
            ? WireInputGradients(layers, buffers, inputShape, paddedInput)
            : new Region[0];

        if (declared == 0 && input is not null)
            errors.Add(new ShapeError(DiagnosticIds.NoLayers, input.AttributeIndex,
                $"Network '{spec.ClassName}' has an input but no layers; expected at least one layer, e.g. [Dense(10)], after [Input]"));

        if (layers.Count > 0 && !broken && layers[layers.Count - 1].Kind != LayerKind.Heads) // heads: checked per head (HeadsLayer)
            CheckLoss(spec, layers[layers.Count - 1], errors);

        var diagnostics = new EquatableArray<ShapeError>(errors.ToArray());
        if (inputShape is null || broken || errors.Exists(e => !e.IsWarning))
            return new ShapeResult(null, diagnostics);
        // State tensors (running statistics) were numbered within the state area, which follows the trainable one.
        int trainable = (int)buffers.TrainableLength;
        for (int i = 0; i < layers.Count; i++)
        {
            if (!layers[i].Tensors.AsSpan().ToArray().Any(t => t.IsState)) continue;
            TensorSpec[] moved = layers[i].Tensors.AsSpan().ToArray()
                .Select(t => t.IsState ? t with { Offset = t.Offset + trainable } : t).ToArray();
            layers[i] = layers[i] with { Tensors = new EquatableArray<TensorSpec>(moved) };
        }
        var network = new ShapedNetwork(spec, inputShape, new EquatableArray<ShapedLayer>(layers.ToArray()),
            (int)buffers.ParameterCount, trainable, (int)(buffers.TrainableLength + buffers.StateLength),
            (int)buffers.RowLength, (int)buffers.ChunkLength, inputCopyOffset, new EquatableArray<Region>(inputGradients));
        return new ShapeResult(GeneratedMembers.WithDistinctMemberNames(network), diagnostics);
    }

    /// <summary>The layer declared after <c>spec.Layers[index]</c>, or null for the last.</summary>
    private static LayerSpec? NextLayer(NetworkSpec spec, int index)
    {
        for (int i = index + 1; i < spec.Layers.Count; i++)
            if (spec.Layers[i].Kind != LayerKind.Input)
                return spec.Layers[i];
        return null;
    }

    /// <summary>The loss and the output layer must agree: the loss owns the output non-linearity, as in PyTorch.</summary>
    private static void CheckLoss(NetworkSpec spec, ShapedLayer output, List<ShapeError> errors)
    {
        int attribute = output.AttributeIndex;
        if (spec.Loss != LossKind.None && output.Output.Kind is ShapeKind.Spatial1D or ShapeKind.Spatial2D)
            errors.Add(new ShapeError(DiagnosticIds.MissingFlatten, attribute,
                $"The last layer '{output.Name}' outputs {output.Output.Text} ({output.Output.Kind}); a loss expects a vector or a sequence of vectors. Add [Flatten] and a [Dense] layer"));
        if (spec.Loss == LossKind.SoftmaxCrossEntropy && output.Output.Channels < 2)
            errors.Add(new ShapeError(DiagnosticIds.SoftmaxNeedsClasses, attribute,
                $"Loss SoftmaxCrossEntropy needs at least 2 outputs, one per class; the last layer '{output.Name}' has {output.Output.Channels}. " +
                "For a yes/no output use Loss.BinaryCrossEntropy"));
        if ((spec.Loss == LossKind.SoftmaxCrossEntropy && output.Activation == ActivationKind.Softmax) ||
            (spec.Loss == LossKind.BinaryCrossEntropy && output.Activation == ActivationKind.Sigmoid))
            errors.Add(new ShapeError(DiagnosticIds.ActivationDuplicatesLoss, attribute,
                $"Loss {spec.Loss} already applies {output.Activation.ToString().ToLowerInvariant()} to the logits; " +
                $"the {output.Activation} on the last layer '{output.Name}' would apply it twice. Remove it: the network's outputs are logits",
                IsWarning: true));
    }

    /// <summary>Enum values that are not defined (a cast number) cannot be generated.</summary>
    private static void CheckEnums(NetworkSpec spec, List<ShapeError> errors)
    {
        if (spec.Loss < LossKind.None || spec.Loss > LossKind.L1)
            errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, spec.NetworkAttributeIndex,
                $"Network '{spec.ClassName}' has Loss value {(int)spec.Loss}, which is not a defined StaticNet.Loss; expected one of None, MeanSquaredError, BinaryCrossEntropy, SoftmaxCrossEntropy, Huber, L1"));
        if (spec.Loss == LossKind.Huber && !(spec.HuberBeta > 0f && !float.IsInfinity(spec.HuberBeta)))
            errors.Add(new ShapeError(DiagnosticIds.InvalidOption, spec.NetworkAttributeIndex,
                $"Network '{spec.ClassName}' has HuberBeta {spec.HuberBeta.ToString(System.Globalization.CultureInfo.InvariantCulture)}; expected a positive, finite β (PyTorch's default is 1)"));
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Activation < ActivationKind.None || layer.Activation > ActivationKind.ELU)
                errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, layer.AttributeIndex,
                    $"Activation value {(int)layer.Activation} is not a defined StaticNet.Activation; expected one of None, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU, SiLU, ELU"));
            if (layer.Kind != LayerKind.Input)
                layer.Definition.CheckValues(layer, errors);
        }
    }

    private static string SeveralInputsMessage(NetworkSpec spec, LayerSpec layer)
    {
        var names = new HashSet<string>();
        foreach (LayerSpec other in spec.Layers)
            if (other.Kind == LayerKind.Input && !ReferenceEquals(other, layer) && other.Name is { } n) names.Add(n);
        string why = layer.Name is not { Length: > 0 } name ? "this one has no Name"
            : names.Contains(name) ? $"the name '{name}' is used by another [Input]"
            : layer.Shape.Count != 1 ? $"this one is not a vector (rank {layer.Shape.Count})"
            : "another [Input] has no Name, a repeated Name or a shape that is not a vector";
        return $"Network '{spec.ClassName}' has several [Input] attributes, but {why}; expected exactly one [Input], or several vector inputs " +
            "each with a distinct Name (e.g. [Input(6, Name = \"state\")] [Input(2, Name = \"action\")])";
    }

    private static LayerSpec? FindInput(NetworkSpec spec, List<ShapeError> errors)
    {
        LayerSpec? input = null;
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Kind != LayerKind.Input) continue;
            if (input is null) input = layer;
            else errors.Add(new ShapeError(DiagnosticIds.SeveralInputs, layer.AttributeIndex, SeveralInputsMessage(spec, layer)));
        }
        if (input is null)
            errors.Add(new ShapeError(DiagnosticIds.NoInput, -1,
                $"Network '{spec.ClassName}' has no [Input]; expected one, e.g. [Input(784)], before its layers"));
        return input;
    }

    /// <summary>
    /// The input's shape. Rank 1 is a vector (or token ids before an Embedding), rank 3 is [C, H, W]; rank 2 is
    /// [C, L] when a 1-D convolution or pool reads it and a [T, F] sequence otherwise.
    /// </summary>
    private static ActivationShape? InputShape(NetworkSpec spec, LayerSpec input, List<ShapeError> errors)
    {
        EquatableArray<int> shape = input.Shape;
        if (shape.Count == 0)
        {
            errors.Add(new ShapeError(DiagnosticIds.NonPositiveSize, input.AttributeIndex,
                "[Input] needs a shape; found none. Expected e.g. [Input(784)]"));
            return null;
        }
        long size = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                errors.Add(new ShapeError(DiagnosticIds.NonPositiveSize, input.AttributeIndex,
                    $"[Input] dimensions must be at least 1; found {Format(shape)}"));
                return null;
            }
            size = System.Math.Min(size * dimension, MaxBufferLength + 1); // saturate: no overflow however many dimensions
        }
        if (size > MaxBufferLength / WidthAlignment)
        {
            errors.Add(new ShapeError(DiagnosticIds.TooLarge, input.AttributeIndex,
                $"[Input] of shape {Format(shape)} has {size:N0} values; expected at most {MaxBufferLength / WidthAlignment:N0}"));
            return null;
        }
        if (shape.Count > 3)
        {
            errors.Add(new ShapeError(DiagnosticIds.UnsupportedInputRank, input.AttributeIndex,
                $"[Input] of shape {Format(shape)} has rank {shape.Count}; expected rank 1 [features], 2 [steps, features] or [channels, length], or 3 [channels, height, width], e.g. [Input({size})]"));
            return null;
        }
        int[] dims = shape.AsSpan().ToArray();
        Layers.LayerDefinition? first = null;
        foreach (LayerSpec layer in spec.Layers)
            if (layer.Kind != LayerKind.Input) { first = layer.Definition; break; }
        ShapeKind kind = dims.Length switch
        {
            1 => ShapeKind.Vector,
            3 => ShapeKind.Spatial2D,
            _ => first is { ReadsRank2InputAsChannels: true } ? ShapeKind.Spatial1D : ShapeKind.Sequence,
        };
        return ActivationShape.Unpadded(kind, dims);
    }

    /// <summary>
    /// How many modules of the equivalent <c>nn.Sequential</c> a layer is, which is how far it moves the default
    /// numbering (<see cref="Layers.LayerDefinition.ModuleCount"/>: one, and one more for a fused activation).
    /// </summary>
    public static int ModuleCount(LayerSpec layer) => layer.Definition.ModuleCount(layer);

    /// <summary><c>NamePrefix</c> is empty or a module path followed by '.', so that prefix + name is a module path.</summary>
    private static bool CheckPrefix(NetworkSpec spec, string prefix, List<ShapeError> errors)
    {
        if (prefix.Length == 0 || prefix[prefix.Length - 1] == '.' && IsValidModuleName(prefix.Substring(0, prefix.Length - 1)))
            return true;
        string suggestion = prefix.Length > 0 && prefix[prefix.Length - 1] != '.' && IsValidModuleName(prefix)
            ? $"; did you mean {Model.Identifiers.Literal(prefix + ".")}?"
            : ", such as \"layers.\" (tensors then named 'layers.0.weight') or \"model.encoder.\"";
        errors.Add(new ShapeError(DiagnosticIds.InvalidName, spec.NetworkAttributeIndex,
            $"NamePrefix {Model.Identifiers.Literal(prefix)} is not a module path followed by '.'; expected empty (the names of a bare nn.Sequential: '0.weight') or dot-separated parts ending with '.'{suggestion}"));
        return false;
    }

    private static bool CheckName(LayerSpec layer, string name, HashSet<string> names, List<ShapeError> errors)
    {
        if (!IsValidModuleName(name))
        {
            errors.Add(new ShapeError(DiagnosticIds.InvalidName, layer.AttributeIndex,
                $"Layer name {Model.Identifiers.Literal(name)} is not a valid module name; expected dot-separated parts, none empty, without whitespace, control characters or quotes, such as 'fc1' or 'encoder.0'"));
            return false;
        }
        if (!names.Add(name))
        {
            errors.Add(new ShapeError(DiagnosticIds.DuplicateName, layer.AttributeIndex,
                $"Layer name '{name}' is already used by another layer; expected unique names (a name is the module's path in the state dict{layer.Definition.TensorExample(name)})"));
            return false;
        }
        return true;
    }

    /// <summary>
    /// Whether a layer name is a module path as PyTorch's state dicts spell them: parts separated by '.', none empty (no
    /// leading, trailing or doubled dot), with no whitespace (no line or paragraph separator either), control character or
    /// quote. Anything else (letters of any script, digits, '_', '-', '\\') is kept, and escaped wherever it is written.
    /// </summary>
    public static bool IsValidModuleName(string name)
    {
        if (name.Length == 0 || name[0] == '.' || name[name.Length - 1] == '.' || name.Contains("..")) return false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            // Per code point: a surrogate pair is one character of its own category; a lone surrogate has no UTF-8 form.
            System.Globalization.UnicodeCategory category = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(name, i);
            if (char.IsHighSurrogate(c) && category != System.Globalization.UnicodeCategory.Surrogate) i++;
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '"' || category is
                    System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                    or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.OtherNotAssigned
                    or System.Globalization.UnicodeCategory.Surrogate)
                return false;
        }
        return true;
    }

    /// <summary>
    /// PascalCase from the name's alphanumeric runs (<c>fc1</c> → <c>Fc1</c>, <c>encoder.0</c> → <c>Encoder0</c>; a
    /// default name <c>0</c> → <c>Layer0</c>), made unique. Made from the name without the network's NamePrefix.
    /// </summary>
    private static string UniqueIdentifier(string name, int index, HashSet<string> used)
    {
        var builder = new StringBuilder();
        bool startOfWord = true;
        foreach (char c in name)
        {
            if (!char.IsLetterOrDigit(c)) { startOfWord = true; continue; }
            builder.Append(startOfWord ? char.ToUpperInvariant(c) : c);
            startOfWord = false;
        }
        if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, "Layer");
        string identifier = builder.ToString();
        if (!used.Add(identifier))
        {
            identifier += "_" + index;
            used.Add(identifier);
        }
        return identifier;
    }

    /// <summary><paramref name="value"/> rounded up to a multiple, saturated at int.MaxValue (a size that large fails a size check).</summary>
    public static int RoundUp(int value, int multiple) => Saturate(RoundUp((long)value, multiple));

    public static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>A 64-bit size as an int, saturated: only ever stored in a network that a size check then rejects.</summary>
    public static int Saturate(long value) => value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;

    /// <summary>The product of sizes in 64 bits, saturated at long.MaxValue (so no number of factors can wrap).</summary>
    public static long Product(params long[] factors)
    {
        long product = 1;
        foreach (long factor in factors)
        {
            if (factor <= 0) return factor == 0 ? 0 : factor;
            product = product > long.MaxValue / factor ? long.MaxValue : product * factor;
        }
        return product;
    }

    /// <summary>A size with thousands separators, whatever the compiler's culture.</summary>
    public static string Count(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(EquatableArray<int> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>"1 float", "n floats": a buffer's length in generated doc comments and in diagnostics.</summary>
    public static string Floats(int count) => count == 1 ? "1 float" : $"{count} floats";

    /// <summary>The running totals of the network's buffers, in floats (long, so that overflow is detected, not wrapped).</summary>
    internal sealed class BufferPlan
    {
        public long ParameterCount;
        public long TrainableLength;
        public long StateLength;
        public long RowLength;
        public long ChunkLength;

        public bool Overflowed =>
            TrainableLength + StateLength > MaxBufferLength || RowLength * ChunkRowsBound + ChunkLength > MaxBufferLength;
    }
}
