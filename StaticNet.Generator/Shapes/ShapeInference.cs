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
        int inputs = inputSize, inputStride = inputSize, parameterOffset = 0, activationOffset = 0, parameterCount = 0;
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

            int width = RoundUp(layer.Units, WidthAlignment);
            bool keepsPre = layer.Activation == ActivationKind.GELU;
            var dense = new DenseLayer(
                index, name, UniqueIdentifier(name, index, identifiers), inputs, inputStride, layer.Units, width, layer.Activation,
                WeightOffset: parameterOffset,
                BiasOffset: parameterOffset + inputs * width,
                OutputOffset: activationOffset,
                PreActivationOffset: keepsPre ? activationOffset + width : -1);
            layers.Add(dense);
            parameterOffset += inputs * width + width;
            activationOffset += keepsPre ? 2 * width : width;
            parameterCount += dense.ParameterCount;
            inputs = layer.Units;
            inputStride = width;
        }

        if (declared == 0 && input is not null)
            errors.Add(new ShapeError(DiagnosticIds.NoLayers, input.AttributeIndex,
                $"Network '{spec.ClassName}' has an input but no layers; expected at least one [Dense] after [Input]"));

        if (errors.Count > 0 || input is null)
            return new ShapeResult(null, new EquatableArray<ShapeError>(errors.ToArray()));
        var network = new ShapedNetwork(spec, inputSize, new EquatableArray<DenseLayer>(layers.ToArray()),
            parameterCount, parameterOffset, activationOffset);
        return new ShapeResult(network, EquatableArray<ShapeError>.Empty);
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
            size *= dimension;
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
