using System.Collections.Generic;
using System.Text;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

/// <summary>
/// Checks a declared network and works out every shape, offset and buffer size. Pure: the generator and the analyzers
/// both call it, so they cannot disagree about a shape.
/// </summary>
internal static class ShapeInference
{
    /// <summary>Every internal row length is a multiple of this (one 512-bit vector of floats).</summary>
    public const int WidthAlignment = 16;

    public static ShapeResult Infer(NetworkSpec spec)
    {
        var errors = new List<ShapeError>();
        LayerSpec? input = FindInput(spec, errors);
        int inputSize = input is null ? 0 : CheckInputShape(input, errors);

        var layers = new List<DenseLayer>();
        var identifiers = new HashSet<string>();
        var names = new HashSet<string>();
        CheckEnums(spec, errors);
        int inputs = inputSize, inputStride = inputSize, activationOffset = 0;
        long parameterOffset = 0, parameterCount = 0;
        int declared = 0; // layers as written, valid or not: default names count them, as nn.Sequential would
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Kind != LayerKind.Dense) continue;
            int index = layers.Count;
            string name = layer.Name ?? "layers." + declared;
            declared++;
            if (!CheckName(layer, name, names, errors)) continue;
            if (layer.Units <= 0)
            {
                errors.Add(new ShapeError(DiagnosticIds.NonPositiveSize, layer.AttributeIndex,
                    $"Dense '{name}' must have at least 1 unit; found {layer.Units}"));
                continue;
            }
            if (input is not null && layer.AttributeIndex < input.AttributeIndex)
            {
                errors.Add(new ShapeError(DiagnosticIds.LayerBeforeInput, layer.AttributeIndex,
                    $"Dense '{name}' comes before [Input]; expected [Input] first, then the layers in order"));
                continue;
            }

            if (layer.Units > MaxBufferLength / WidthAlignment)
            {
                errors.Add(new ShapeError(DiagnosticIds.TooLarge, layer.AttributeIndex,
                    $"Dense '{name}' has {layer.Units:N0} units; expected at most {MaxBufferLength / WidthAlignment:N0}"));
                break;
            }
            int width = RoundUp(layer.Units, WidthAlignment);
            bool keepsPre = layer.Activation == ActivationKind.GELU;
            long layerLength = (long)inputs * width + width;
            if (parameterOffset + layerLength > MaxBufferLength || (long)activationOffset * ChunkRowsBound > MaxBufferLength)
            {
                errors.Add(new ShapeError(DiagnosticIds.TooLarge, layer.AttributeIndex,
                    $"Dense '{name}' ({inputs} → {layer.Units}) takes the network past {MaxBufferLength:N0} parameters; expected a network that fits in one buffer"));
                break;
            }
            var dense = new DenseLayer(
                index, name, UniqueIdentifier(name, index, identifiers), inputs, inputStride, layer.Units, width, layer.Activation,
                WeightOffset: (int)parameterOffset,
                BiasOffset: (int)parameterOffset + inputs * width,
                OutputOffset: activationOffset,
                PreActivationOffset: keepsPre ? activationOffset + width : -1);
            layers.Add(dense);
            parameterOffset += layerLength;
            activationOffset += keepsPre ? 2 * width : width;
            parameterCount += dense.ParameterCount;
            inputs = layer.Units;
            inputStride = width;
        }

        if (declared == 0 && input is not null)
            errors.Add(new ShapeError(DiagnosticIds.NoLayers, input.AttributeIndex,
                $"Network '{spec.ClassName}' has an input but no layers; expected at least one [Dense] after [Input]"));

        if (layers.Count > 0 && layers.Count == declared)
            CheckLoss(spec, layers[layers.Count - 1], errors);

        var diagnostics = new EquatableArray<ShapeError>(errors.ToArray());
        if (input is null || errors.Exists(e => !e.IsWarning))
            return new ShapeResult(null, diagnostics);
        var network = new ShapedNetwork(spec, inputSize, new EquatableArray<DenseLayer>(layers.ToArray()),
            (int)parameterCount, (int)parameterOffset, activationOffset);
        return new ShapeResult(network, diagnostics);
    }

    /// <summary>The largest buffer a network may need, in floats (spans index with int).</summary>
    public const long MaxBufferLength = int.MaxValue / 2;

    private const int ChunkRowsBound = 32;

    /// <summary>The loss and the output layer must agree: the loss owns the output non-linearity, as in PyTorch.</summary>
    private static void CheckLoss(NetworkSpec spec, DenseLayer output, List<ShapeError> errors)
    {
        int attribute = AttributeIndexOf(spec, output);
        if (spec.Loss == LossKind.SoftmaxCrossEntropy && output.Units < 2)
            errors.Add(new ShapeError(DiagnosticIds.SoftmaxNeedsClasses, attribute,
                $"Loss SoftmaxCrossEntropy needs at least 2 outputs, one per class; the last layer '{output.Name}' has {output.Units}. " +
                "For a yes/no output use Loss.BinaryCrossEntropy"));
        if ((spec.Loss == LossKind.SoftmaxCrossEntropy && output.Activation == ActivationKind.Softmax) ||
            (spec.Loss == LossKind.BinaryCrossEntropy && output.Activation == ActivationKind.Sigmoid))
            errors.Add(new ShapeError(DiagnosticIds.ActivationDuplicatesLoss, attribute,
                $"Loss {spec.Loss} already applies {output.Activation.ToString().ToLowerInvariant()} to the logits; " +
                $"the {output.Activation} on the last layer '{output.Name}' would apply it twice. Remove it: the network's outputs are logits",
                IsWarning: true));
    }

    private static int AttributeIndexOf(NetworkSpec spec, DenseLayer layer)
    {
        int dense = -1;
        foreach (LayerSpec candidate in spec.Layers)
            if (candidate.Kind == LayerKind.Dense && ++dense == layer.Index)
                return candidate.AttributeIndex;
        return -1;
    }

    /// <summary>Enum values that are not defined (a cast number) cannot be generated.</summary>
    private static void CheckEnums(NetworkSpec spec, List<ShapeError> errors)
    {
        if (spec.Loss < LossKind.None || spec.Loss > LossKind.SoftmaxCrossEntropy)
            errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, spec.NetworkAttributeIndex,
                $"Network '{spec.ClassName}' has Loss value {(int)spec.Loss}, which is not a defined StaticNet.Loss; expected one of None, MeanSquaredError, BinaryCrossEntropy, SoftmaxCrossEntropy"));
        foreach (LayerSpec layer in spec.Layers)
            if (layer.Activation < ActivationKind.None || layer.Activation > ActivationKind.GELU)
                errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, layer.AttributeIndex,
                    $"Activation value {(int)layer.Activation} is not a defined StaticNet.Activation; expected one of None, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU"));
    }

    private static LayerSpec? FindInput(NetworkSpec spec, List<ShapeError> errors)
    {
        LayerSpec? input = null;
        foreach (LayerSpec layer in spec.Layers)
        {
            if (layer.Kind != LayerKind.Input) continue;
            if (input is null) input = layer;
            else errors.Add(new ShapeError(DiagnosticIds.SeveralInputs, layer.AttributeIndex,
                $"Network '{spec.ClassName}' has several [Input] attributes; expected exactly one"));
        }
        if (input is null)
            errors.Add(new ShapeError(DiagnosticIds.NoInput, -1,
                $"Network '{spec.ClassName}' has no [Input]; expected one, e.g. [Input(784)], before its layers"));
        return input;
    }

    private static int CheckInputShape(LayerSpec input, List<ShapeError> errors)
    {
        EquatableArray<int> shape = input.Shape;
        if (shape.Count == 0)
        {
            errors.Add(new ShapeError(DiagnosticIds.NonPositiveSize, input.AttributeIndex,
                "[Input] needs a shape; found none. Expected e.g. [Input(784)]"));
            return 0;
        }
        long size = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                errors.Add(new ShapeError(DiagnosticIds.NonPositiveSize, input.AttributeIndex,
                    $"[Input] dimensions must be at least 1; found {Format(shape)}"));
                return 0;
            }
            size = System.Math.Min(size * dimension, MaxBufferLength + 1); // saturate: no overflow however many dimensions
        }
        if (size > MaxBufferLength / WidthAlignment)
        {
            errors.Add(new ShapeError(DiagnosticIds.TooLarge, input.AttributeIndex,
                $"[Input] of shape {Format(shape)} has {size:N0} values; expected at most {MaxBufferLength / WidthAlignment:N0}"));
            return 0;
        }
        if (shape.Count > 1)
        {
            errors.Add(new ShapeError(DiagnosticIds.UnsupportedInputRank, input.AttributeIndex,
                $"[Input] of shape {Format(shape)} has rank {shape.Count}; Dense layers expect a rank-1 input such as [Input({size})]"));
            return 0;
        }
        return (int)size;
    }

    private static bool CheckName(LayerSpec layer, string name, HashSet<string> names, List<ShapeError> errors)
    {
        if (name.Length == 0 || name.StartsWith(".") || name.EndsWith(".") || name.Contains(" ") || name.Contains("\""))
        {
            errors.Add(new ShapeError(DiagnosticIds.InvalidName, layer.AttributeIndex,
                $"Layer name '{name}' is not a valid module name; expected dotted identifiers such as 'fc1' or 'encoder.0'"));
            return false;
        }
        if (!names.Add(name))
        {
            errors.Add(new ShapeError(DiagnosticIds.DuplicateName, layer.AttributeIndex,
                $"Layer name '{name}' is already used by another layer; expected unique names (they become '{name}.weight' and '{name}.bias')"));
            return false;
        }
        return true;
    }

    /// <summary>PascalCase from the name's alphanumeric runs (<c>layers.0</c> → <c>Layers0</c>), made unique.</summary>
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

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    public static string Format(EquatableArray<int> shape) => "[" + string.Join(", ", shape) + "]";
}
