using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Shapes;

// Graphs: which output each layer reads (the layer before it, From, a merge's named operands), and where the gradients
// of a value that feeds several layers go.
internal static partial class ShapeInference
{
    /// <summary>The declared graph: each declaration's local name and the declarations each layer reads, by position in the spec.</summary>
    internal sealed class Graph
    {
        private Graph(string[] localNames, int[]?[] operands, bool broken, int inputIndex)
        {
            LocalNames = localNames;
            Operands = operands;
            Broken = broken;
            InputIndex = inputIndex;
        }

        /// <summary>Each declaration's name without the NamePrefix: its Name, its nn.Sequential index, or the input's name (<c>input</c>).</summary>
        public string[] LocalNames { get; }

        /// <summary>For each layer, the declarations it reads, in operand order; null for a name that does not resolve (reported).</summary>
        public int[]?[] Operands { get; }

        /// <summary>Whether a name did not resolve.</summary>
        public bool Broken { get; }

        /// <summary>The input's position in the spec, or -1.</summary>
        public int InputIndex { get; }

        public static Graph Resolve(NetworkSpec spec, int inputIndex, List<ShapeError> errors)
        {
            int count = spec.Layers.Count;
            var localNames = new string[count];
            int module = 0; // the nn.Sequential index of the next layer: default names count modules as PyTorch does
            for (int l = 0; l < count; l++)
            {
                LayerSpec layer = spec.Layers[l];
                if (layer.Kind == LayerKind.Input) { localNames[l] = layer.Name ?? "input"; continue; }
                localNames[l] = layer.Name ?? module.ToString(System.Globalization.CultureInfo.InvariantCulture);
                module += ModuleCount(layer);
            }
            var operands = new int[]?[count];
            bool broken = false;
            int previous = inputIndex; // the declaration before a layer: the input for the first
            for (int l = 0; l < count; l++)
            {
                LayerSpec layer = spec.Layers[l];
                if (layer.Kind == LayerKind.Input) continue;
                var list = new List<int>();
                bool ok = true;
                if (layer.Kind == LayerKind.InputSlice) { if (inputIndex >= 0) list.Add(inputIndex); else ok = false; } // one of several inputs: its columns of the packed input
                else if (layer.Kind == LayerKind.Heads)
                {
                    // Each [Output] names its layer; an unknown name is reported on that [Output].
                    foreach (Layers.HeadSpec head in Layers.HeadsLayer.Heads(layer))
                    {
                        bool found = Find(spec, localNames, inputIndex, l, head.Layer, "a head", errors, list, head.AttributeIndex, $"Output '{head.Layer}'");
                        if (found && list[list.Count - 1] == inputIndex)
                        {
                            errors.Add(new ShapeError(DiagnosticIds.HeadWithoutLoss, head.AttributeIndex,
                                $"Output '{head.Layer}' names the network's input; expected a layer's name (a head is a layer's output)"));
                            found = false;
                        }
                        ok &= found;
                    }
                    operands[l] = ok ? list.ToArray() : null;
                    broken |= !ok && inputIndex >= 0;
                    previous = l;
                    continue;
                }
                else if (layer.From is { } from) ok &= Find(spec, localNames, inputIndex, l, from, "From", errors, list);
                else if (previous >= 0) list.Add(previous);
                else ok = false; // no input: SNET001 is reported
                foreach (string other in layer.Others)
                    ok &= Find(spec, localNames, inputIndex, l, other, "an operand", errors, list);
                operands[l] = ok ? list.ToArray() : null;
                broken |= !ok && inputIndex >= 0;
                previous = l;
            }
            return new Graph(localNames, operands, broken, inputIndex);
        }

        private static bool Find(NetworkSpec spec, string[] localNames, int inputIndex, int l, string name, string role, List<ShapeError> errors, List<int> list,
            int attributeIndex = -1, string? who = null)
        {
            LayerSpec layer = spec.Layers[l];
            string self = who ?? $"{layer.Kind} '{spec.NamePrefix}{localNames[l]}'";
            if (attributeIndex < 0) attributeIndex = layer.AttributeIndex;
            int later = -1;
            for (int j = 0; j < localNames.Length; j++)
            {
                if (j == inputIndex || localNames[j] != name) continue;
                if (j < l) { list.Add(j); return true; }
                if (later < 0) later = j;
            }
            if (later == l)
            {
                errors.Add(new ShapeError(DiagnosticIds.GraphCycle, attributeIndex,
                    $"{self} reads its own output ('{name}', {role}), a cycle; expected the name of a layer declared before it or of the input"));
                return false;
            }
            if (later > l)
            {
                errors.Add(new ShapeError(DiagnosticIds.GraphCycle, attributeIndex,
                    $"{self} reads '{name}' ({role}), which is declared after it; a layer reads only outputs declared before it, so that the graph has no cycles. " +
                    $"Declare '{name}' earlier, or read another layer"));
                return false;
            }
            if (inputIndex >= 0 && localNames[inputIndex] == name) { list.Add(inputIndex); return true; }
            IEnumerable<string> known = Enumerable.Range(0, l).Where(j => spec.Layers[j].Kind != LayerKind.Input || j == inputIndex).Select(j => "'" + localNames[j] + "'");
            string[] names = known.ToArray();
            string expected = names.Length == 0 ? "nothing is declared before it" : names.Length <= 12
                ? "expected one of the names declared before it: " + string.Join(", ", names)
                : "expected one of the names declared before it, such as " + string.Join(", ", names.Skip(names.Length - 12));
            // For the code fix (StaticNet.CodeFixes): the name, where it is written, and every name it could be instead.
            string candidates = string.Join("\n", Enumerable.Range(0, l).Where(j => spec.Layers[j].Kind != LayerKind.Input || j == inputIndex).Select(j => localNames[j]));
            errors.Add(new ShapeError(DiagnosticIds.UnknownSource, attributeIndex,
                $"{self} reads '{name}' ({role}), but no layer or input has that name; {expected}",
                Properties: new EquatableArray<string>(new[] { "Name", name, "Role", role == "From" ? "From" : "Operand" /* an operand or a head: the attribute's positional names */, "Candidates", candidates })));
            return false;
        }

        /// <summary>
        /// Whether a layer's output is read by anything other than the first operand of the layer declared right after it
        /// (through From or a merge's operand): then a stand-alone activation after it cannot run in its kernel, since
        /// the other readers need the value before the activation.
        /// </summary>
        public bool ReadElsewhere(int l) => (_readElsewhere ??= FindReadElsewhere())[l];

        private bool[]? _readElsewhere;

        private bool[] FindReadElsewhere()
        {
            var result = new bool[Operands.Length];
            int previous = -1; // the declaration before j, whose output j reads as its first operand unless From says otherwise
            for (int j = 0; j < Operands.Length; j++)
            {
                if (j == InputIndex) continue;
                if (Operands[j] is { } list)
                    for (int k = 0; k < list.Length; k++)
                        if (list[k] >= 0 && !(k == 0 && list[k] == previous && previous >= 0))
                            result[list[k]] = true;
                previous = j;
            }
            return result;
        }

        /// <summary>Whether a layer that reads only the padded channels-last layout reads the input, which is then copied into it.</summary>
        public bool InputNeedsChannelsLast(NetworkSpec spec)
        {
            for (int j = 0; j < Operands.Length; j++)
                if (Operands[j] is { } list && list.Contains(InputIndex) && InputIndex >= 0 && spec.Layers[j].Definition.NeedsChannelsLastInput)
                    return true;
            return false;
        }
    }

    /// <summary>
    /// Marks the layers whose output reaches the network's output (the others, an unused branch, are warned about and
    /// not backpropagated), and gives every value read by several layers one gradient region per extra reader:
    /// the lowest reader writes the value's <c>Output</c> gradient, the others <c>Gradient2</c>, <c>Gradient3</c>, …,
    /// which the backward pass adds to it before the value's own layer runs backward.
    /// </summary>
    private static void WireGradients(List<ShapedLayer> layers, BufferPlan buffers, List<ShapeError> errors)
    {
        int n = layers.Count;
        var live = new bool[n];
        var read = new bool[n];
        live[n - 1] = true;
        for (int i = n - 1; i >= 0; i--)
            for (int k = 0; k < layers[i].OperandCount; k++)
                if (layers[i].Source(k) is var s && s >= 0)
                {
                    read[s] = true;
                    live[s] |= live[i];
                }
        for (int i = 0; i < n - 1; i++)
            if (!read[i])
                errors.Add(new ShapeError(DiagnosticIds.UnusedBranch, layers[i].AttributeIndex,
                    $"{layers[i].Kind} '{layers[i].Name}' ({layers[i].Output.Text}) is not read by any layer and is not " +
                    (layers[n - 1].Kind == LayerKind.Heads ? "one of the network's outputs ([Output]), " : "the network's output (the last layer), ") +
                    "so its branch computes nothing that is used and is not trained; read it with From or a merge, or remove it", IsWarning: true));
        var readers = new int[n];
        for (int c = 0; c < n; c++)
        {
            ShapedLayer layer = layers[c];
            var deltas = new string[layer.OperandCount];
            for (int k = 0; k < deltas.Length; k++)
            {
                int s = layer.Source(k);
                deltas[k] = "Output";
                if (s < 0 || !live[c]) continue;
                if (++readers[s] == 1) continue;
                ShapedLayer source = layers[s];
                string name = "Gradient" + readers[s];
                deltas[k] = name;
                int length = source.Output.RowLength;
                var region = new Region(name, (int)buffers.RowLength, length, false,
                    $"the gradient of {source.Name}'s output from {layer.Name}, added to the Output gradient before {source.Name}'s backward pass");
                buffers.RowLength += length;
                layers[s] = source with { Regions = new EquatableArray<Region>(source.Regions.AsSpan().ToArray().Concat(new[] { region }).ToArray()) };
            }
            layers[c] = layers[c] with { DeltaRegions = new EquatableArray<string>(deltas), IsLive = live[c] };
        }
        if (buffers.Overflowed)
            errors.Add(new ShapeError(DiagnosticIds.TooLarge, layers[n - 1].AttributeIndex,
                $"The gradients of the network's branches take it past {MaxBufferLength:N0} floats of activations; expected a network that fits in one buffer"));
    }

    /// <summary>
    /// With <c>GradientsFromCaller</c>: every layer that reads the network's input computes its gradient, into a region of
    /// its own in the layout it reads (<c>InputGradient1</c>, …); <c>Backward</c> turns each into the caller's layout and
    /// adds them up (through <c>InputGradientScratch</c> for one in the channels-last copy's layout).
    /// </summary>
    private static Region[] WireInputGradients(List<ShapedLayer> layers, BufferPlan buffers, ActivationShape input, ActivationShape? paddedInput)
    {
        var regions = new List<Region>();
        bool copy = false;
        for (int c = 0; c < layers.Count; c++)
        {
            ShapedLayer layer = layers[c];
            if (!layer.IsLive) continue;
            int[] sources = Enumerable.Range(0, layer.OperandCount).Select(layer.Source).ToArray();
            string[] deltas = Enumerable.Range(0, layer.OperandCount).Select(layer.DeltaRegion).ToArray();
            bool changed = false;
            for (int k = 0; k < sources.Length; k++)
            {
                if (sources[k] != ShapedNetwork.InputSource) continue;
                bool readsCopy = paddedInput is not null && layer.Definition.NeedsChannelsLastInput;
                copy |= readsCopy;
                int length = readsCopy ? paddedInput!.RowLength : input.RowLength;
                string name = "InputGradient" + (regions.Count + 1) + (readsCopy ? "ChannelsLast" : "");
                regions.Add(new Region(name, (int)buffers.RowLength, length, false,
                    $"the gradient of the input from {layer.Name}, {(readsCopy ? "channels last, padded" : "in the input's layout")}"));
                buffers.RowLength += length;
                sources[k] = ShapedNetwork.DifferentiatedInputSource;
                deltas[k] = name;
                changed = true;
            }
            if (changed)
                layers[c] = layer with { Sources = new EquatableArray<int>(sources), DeltaRegions = new EquatableArray<string>(deltas) };
        }
        if (copy)
        {
            regions.Add(new Region("InputGradientScratch", (int)buffers.RowLength, input.RowLength, false, "one reader's input gradient, back in the input's layout"));
            buffers.RowLength += input.RowLength;
        }
        return regions.ToArray();
    }
}
