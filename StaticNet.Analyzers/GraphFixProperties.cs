using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Analyzers;

/// <summary>
/// What the graph diagnostics' code fixes (StaticNet.CodeFixes) need, as the diagnostic's properties: the fixes see only
/// syntax, while the graph (each layer's local name, what it reads, the default numbering) is known here. A property
/// set is given only where the fix is sound; without one the fix offers nothing.
/// </summary>
internal static class GraphFixProperties
{
    public static ImmutableDictionary<string, string?>? Of(ShapeError error, NetworkSpec spec) => error.Id switch
    {
        DiagnosticIds.UnknownSource => Pairs(error.Properties),
        DiagnosticIds.ShortcutMismatch => Shortcut(error, spec),
        DiagnosticIds.UnusedBranch => UnusedBranch(error, spec),
        DiagnosticIds.MergeShapeMismatch => ConcatenateInstead(error, spec),
        _ => null,
    };

    private static ImmutableDictionary<string, string?>? Pairs(EquatableArray<string> pairs)
    {
        if (pairs.Count == 0) return null;
        ImmutableDictionary<string, string?>.Builder builder = ImmutableDictionary.CreateBuilder<string, string?>();
        for (int i = 0; i + 1 < pairs.Count; i += 2) builder[pairs[i]] = pairs[i + 1];
        return builder.ToImmutable();
    }

    private static (ShapeInference.Graph Graph, int InputIndex)? Resolve(NetworkSpec spec)
    {
        int inputIndex = -1;
        for (int l = 0; l < spec.Layers.Count && inputIndex < 0; l++)
            if (spec.Layers[l].Kind == LayerKind.Input) inputIndex = l;
        ShapeInference.Graph graph = ShapeInference.Graph.Resolve(spec, inputIndex, new List<ShapeError>());
        return graph.Broken || inputIndex < 0 ? null : (graph, inputIndex);
    }

    private static int LayerAt(NetworkSpec spec, int attributeIndex)
    {
        for (int l = 0; l < spec.Layers.Count; l++)
            if (spec.Layers[l].AttributeIndex == attributeIndex && spec.Layers[l].Kind is not (LayerKind.Input or LayerKind.InputSlice)) return l;
        return -1;
    }

    /// <summary>The declarations each layer names (through From or a merge's operand), as opposed to the one before it, which it reads unnamed.</summary>
    private static IEnumerable<int> Named(NetworkSpec spec, ShapeInference.Graph graph, int l)
    {
        LayerSpec layer = spec.Layers[l];
        if (graph.Operands[l] is not { } operands || layer.Kind == LayerKind.InputSlice) yield break;
        for (int k = 0; k < operands.Length; k++)
            if (k > 0 || layer.From is not null) yield return operands[k];
    }

    /// <summary>
    /// SNET045: a 1×1 convolution (and a BatchNorm) on the operand that is the shortcut, inserted before the merge, which
    /// then reads the projection instead of the shortcut. Not offered when the insertion would renumber a layer that is
    /// read by its default name (its index).
    /// </summary>
    private static ImmutableDictionary<string, string?>? Shortcut(ShapeError error, NetworkSpec spec)
    {
        ImmutableDictionary<string, string?>? found = Pairs(error.Properties);
        int merge = LayerAt(spec, error.AttributeIndex);
        if (found is null || merge < 0 || Resolve(spec) is not { } resolved) return null;
        ShapeInference.Graph graph = resolved.Graph;
        if (!found.TryGetValue("Operand", out string? operandText) || !int.TryParse(operandText, NumberStyles.None, CultureInfo.InvariantCulture, out int k)) return null;
        if (graph.Operands[merge] is not { } operands || k <= 0 || k >= operands.Length) return null;
        found.TryGetValue("Project0", out string? project0);
        found.TryGetValue("ProjectK", out string? projectK);
        // The shortcut is the operand that can be projected onto the other; if both can (a change of channels only), the earlier one, the block's input.
        int p = project0 is not null && projectK is not null ? (operands[0] <= operands[k] ? 0 : k) : project0 is not null ? 0 : projectK is not null ? k : -1;
        if (p < 0) return null;
        string[] projection = (p == 0 ? project0 : projectK)!.Split(',');
        int shortcut = operands[p], block = operands[p == 0 ? k : 0];

        for (int l = 0; l < spec.Layers.Count; l++)
            foreach (int j in Named(spec, graph, l))
                if (j >= merge && spec.Layers[j].Name is null && spec.Layers[j].Kind is not (LayerKind.Input or LayerKind.InputSlice))
                    return null; // read by its index, which the inserted layers would change

        LayerSpec layer = spec.Layers[merge];
        string blockName = graph.LocalNames[block];
        string prefix = blockName.LastIndexOf('.') is var dot && dot > 0 ? blockName.Substring(0, dot + 1)
            : layer.Name?.LastIndexOf('.') is int addDot && addDot > 0 ? layer.Name.Substring(0, addDot + 1) : "";
        var taken = new HashSet<string>(graph.LocalNames);
        string convName = "", normName = "";
        for (int n = 1; n < 100; n++)
        {
            string stem = prefix + "downsample" + (n == 1 ? "" : n.ToString(CultureInfo.InvariantCulture));
            convName = stem + ".0";
            normName = stem + ".1";
            if (!taken.Contains(convName) && !taken.Contains(normName)) break;
        }
        if (taken.Contains(convName) || taken.Contains(normName) || !ShapeInference.IsValidModuleName(convName)) return null;

        // The merge then reads the projection (the layer before it) and the block's output.
        string? role = null, old = null, with = null;
        int index = -1;
        if (layer.From is not null && p == 0) { role = "From"; old = layer.From; }
        else if (p == k) { role = "Operand"; index = k - 1; old = layer.Others[k - 1]; with = layer.From is null ? graph.LocalNames[operands[0]] : null; }
        ImmutableDictionary<string, string?>.Builder builder = ImmutableDictionary.CreateBuilder<string, string?>();
        builder["From"] = graph.LocalNames[shortcut];
        builder["Filters"] = projection[0];
        builder["Stride"] = projection[1];
        builder["ConvName"] = convName;
        builder["NormName"] = normName;
        builder["UsesBatchNorm"] = spec.Layers.Any(l => l.Kind == LayerKind.BatchNorm) ? "true" : "false";
        if (role is not null)
        {
            builder["Replace"] = role;
            builder["ReplaceIndex"] = index.ToString(CultureInfo.InvariantCulture);
            builder["ReplaceOld"] = old;
            builder["ReplaceWith"] = with; // null: the projection's last layer
        }
        return builder.ToImmutable();
    }

    /// <summary>
    /// SNET042 on an <c>[Add]</c> or <c>[Multiply]</c>: whether <c>[Concatenate]</c> with the same operands makes the whole
    /// network valid (the help page's other repair). Checked by shaping the network with the change, so the fix is
    /// offered only where it leaves no error, here or in the layers after it.
    /// </summary>
    private static ImmutableDictionary<string, string?>? ConcatenateInstead(ShapeError error, NetworkSpec spec)
    {
        int merge = LayerAt(spec, error.AttributeIndex);
        if (merge < 0 || spec.Layers[merge].Kind is not (LayerKind.Add or LayerKind.Multiply)) return null;
        LayerSpec[] layers = spec.Layers.AsSpan().ToArray();
        layers[merge] = layers[merge] with { Kind = LayerKind.Concatenate };
        ShapeResult result = ShapeInference.Infer(spec with { Layers = new EquatableArray<LayerSpec>(layers) });
        if (result.Network is null || result.Errors.Any(e => !e.IsWarning)) return null;
        ShapedLayer? shaped = result.Network.Layers.FirstOrDefault(l => l.AttributeIndex == error.AttributeIndex);
        return ImmutableDictionary<string, string?>.Empty.Add("Concatenate", shaped?.Output.Text ?? "");
    }

    /// <summary>
    /// SNET043: the unused layer and the layers before it that only it (and the others removed) reads. Not offered for
    /// an input (removing it changes the network's signature), nor when the removal would renumber a layer that is read
    /// by its default name.
    /// </summary>
    private static ImmutableDictionary<string, string?>? UnusedBranch(ShapeError error, NetworkSpec spec)
    {
        int unused = LayerAt(spec, error.AttributeIndex);
        if (unused < 0 || Resolve(spec) is not { } resolved) return null;
        (ShapeInference.Graph graph, int inputIndex) = resolved;
        int count = spec.Layers.Count;
        int last = -1;
        var readers = new List<int>[count];
        for (int l = 0; l < count; l++) readers[l] = new List<int>();
        for (int l = 0; l < count; l++)
        {
            if (spec.Layers[l].Kind == LayerKind.Input) continue;
            last = l;
            if (graph.Operands[l] is { } operands)
                foreach (int j in operands) readers[j].Add(l);
        }
        if (unused == last || readers[unused].Count > 0) return null;

        var removed = new SortedSet<int> { unused };
        var pending = new Stack<int>();
        pending.Push(unused);
        while (pending.Count > 0)
            foreach (int j in graph.Operands[pending.Pop()] ?? new int[0])
                if (j != inputIndex && j != last && !removed.Contains(j) && spec.Layers[j].Kind is not (LayerKind.Input or LayerKind.InputSlice) &&
                    readers[j].TrueForAll(removed.Contains))
                {
                    removed.Add(j);
                    pending.Push(j);
                }

        // The default names after the removal: every name the remaining layers read must still name the same layer.
        var renamed = new string[count];
        int module = 0;
        for (int l = 0; l < count; l++)
        {
            LayerSpec layer = spec.Layers[l];
            if (layer.Kind == LayerKind.Input || removed.Contains(l)) { renamed[l] = graph.LocalNames[l]; continue; }
            renamed[l] = layer.Name ?? module.ToString(CultureInfo.InvariantCulture);
            module += ShapeInference.ModuleCount(layer);
        }
        for (int l = 0; l < count; l++)
            if (!removed.Contains(l) && spec.Layers[l].Kind != LayerKind.Input)
                foreach (int j in Named(spec, graph, l))
                    if (renamed[j] != graph.LocalNames[j]) return null;

        ImmutableDictionary<string, string?>.Builder builder = ImmutableDictionary.CreateBuilder<string, string?>();
        builder["Remove"] = string.Join(",", removed.Select(l => spec.Layers[l].AttributeIndex.ToString(CultureInfo.InvariantCulture)));
        builder["Layers"] = string.Join("\n", removed.Select(l => graph.LocalNames[l]));
        return builder.ToImmutable();
    }
}
