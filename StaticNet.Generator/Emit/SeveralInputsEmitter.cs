using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// A network with several named inputs runs on one packed input (<see cref="InputSliceLayer"/>); this writes the overloads
/// that take one span per input, in declaration order, named after the inputs (<c>Forward(state, action, output)</c>),
/// which pack them into a pooled buffer and call the packed member.
/// </summary>
internal static class SeveralInputsEmitter
{
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Packing = "global::StaticNet.Kernels.InputPacking";

    private static readonly HashSet<string> s_taken = new(System.StringComparer.Ordinal)
    {
        "input", "inputs", "output", "outputs", "targets", "labels", "sampleWeights", "optimizer", "outputGradients", "packed", "n", "buffer",
    };

    private sealed record Part(ShapedLayer Layer, string Parameter, string Size, string Offset);

    public static bool Applies(ShapedNetwork network) => network.Layers.Any(l => l.Kind == LayerKind.InputSlice);

    private static List<Part> Parts(ShapedNetwork network)
    {
        var parts = new List<Part>();
        foreach (ShapedLayer layer in network.Layers)
        {
            if (layer.Kind != LayerKind.InputSlice) continue;
            string id = layer.Identifier;
            string parameter = char.ToLowerInvariant(id[0]) + id.Substring(1);
            if (s_taken.Contains(parameter) || parts.Any(p => p.Parameter == parameter)) parameter += "Input";
            parts.Add(new Part(layer, Identifiers.Escape(parameter), id + "InputSize", id + "InputOffset"));
        }
        return parts;
    }

    /// <summary>Each input's parameter name and size constant, in declaration order (for the heads' overloads, <see cref="HeadsEmitter"/>).</summary>
    public static List<(string Parameter, string Size)> Parameters(ShapedNetwork network) => Parts(network).Select(p => (p.Parameter, p.Size)).ToList();

    /// <summary>
    /// One <c>InputBuffer</c>-style value type per input (<c>{Name}InputBuffer</c>, <c>{Name}InputSize</c> floats), so that
    /// <c>Forward(state, action, output)</c> can take stack values whose sizes the type system checks.
    /// </summary>
    public static void WriteBufferTypes(CodeWriter w, ShapedNetwork network)
    {
        foreach (Part p in Parts(network))
        {
            w.Line("/// <summary>");
            w.Line($"/// One sample of input {Identifiers.Doc(p.Layer.Name)}, {p.Layer.Output.Size} floats, as a value (on the stack or inline in another type). It converts");
            w.Line($"/// to <c>Span&lt;float&gt;</c> and <c>ReadOnlySpan&lt;float&gt;</c>, so <c>Forward</c>'s <c>{p.Parameter}</c> takes it, and its size is checked by the type system.");
            w.Line("/// </summary>");
            w.Line($"[global::System.Runtime.CompilerServices.InlineArray({p.Size})]");
            w.Open($"public struct {p.Layer.Identifier}InputBuffer");
            w.Line("private float _element0;");
            w.Close();
            w.Line();
        }
    }

    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        List<Part> parts = Parts(network);
        string className = Identifiers.Literal(network.Spec.ClassName);
        string list = string.Join(", ", parts.Select(p => $"{ReadOnlySpan} {p.Parameter}"));
        string names = string.Join(", ", parts.Select(p => p.Parameter));
        string inputsText = string.Join(" and ", parts.Select(p => $"<paramref name=\"{p.Parameter}\"/>"));
        void ParamDocs(bool batch)
        {
            foreach (Part p in parts)
                w.Line($"/// <param name=\"{p.Parameter}\">Input {Identifiers.Doc(p.Layer.Name)}: {(batch ? "n samples of " : "exactly ")}<see cref=\"{p.Size}\"/> floats{(batch ? ", one after another" : "")}.</param>");
        }

        w.Line($"/// <summary>Runs one sample, given as {inputsText}, through the network: <see cref=\"Forward(global::System.ReadOnlySpan{{float}}, global::System.Span{{float}})\"/> on the packed sample. Allocates nothing after the calling thread's first call.</summary>");
        ParamDocs(false);
        w.Line("/// <param name=\"output\">Exactly <see cref=\"OutputSize\"/> floats, overwritten with the logits.</param>");
        w.Open($"public void Forward({list}, {Span} output)");
        foreach (Part p in parts)
            w.Line($"global::StaticNet.Kernels.Guard.SampleLength({p.Parameter}.Length, {p.Size}, nameof({p.Parameter}), {className});");
        w.Line("float[] packed = " + Packing + ".Rent(InputSize);");
        w.Open("try");
        foreach (Part p in parts)
            w.Line($"{p.Parameter}.CopyTo(new global::System.Span<float>(packed, {p.Offset}, {p.Size}));");
        w.Line("Forward(new global::System.Span<float>(packed, 0, InputSize), output);");
        w.Close();
        w.Line($"finally {{ {Packing}.Return(packed); }}");
        w.Close();
        w.Line();

        void Batch(string signature, string doc, string call, string returns, string[] extraDocs)
        {
            w.Line($"/// <summary>{doc} with one span per input: packs n samples of {inputsText} and calls the packed member. Allocates nothing once the shared pool holds a large enough buffer.</summary>");
            ParamDocs(true);
            foreach (string extra in extraDocs) w.Line(extra);
            if (returns.Length > 0) w.Line($"/// <returns>{returns}</returns>");
            w.Open(signature);
            w.Line("float[] packed = PackInputs(" + names + ", out int n);");
            w.Open("try");
            w.Line(call);
            w.Close();
            w.Line($"finally {{ {Packing}.Return(packed); }}");
            w.Close();
            w.Line();
        }
        const string outputsDoc = "/// <param name=\"outputs\">n × <see cref=\"OutputSize\"/> floats, overwritten with the logits.</param>";
        Batch($"public void ForwardBatch({list}, {Span} outputs)", "ForwardBatch", "ForwardBatch(new global::System.Span<float>(packed, 0, n * InputSize), outputs);", "", new[] { outputsDoc });
        // Training with one span per input takes sampleWeights always (default: unweighted): with two inputs,
        // TrainStep(state, action, targets, optimizer) would have the signature of the packed weighted
        // TrainStep(inputs, targets, sampleWeights, optimizer). Networks with several [Output]s have their own (HeadsEmitter).
        if (network.Spec.Loss != LossKind.None && !HeadsEmitter.Applies(network))
        {
            const string targetsDoc = "/// <param name=\"targets\">n × <see cref=\"OutputSize\"/> floats, the targets.</param>";
            const string weightsDoc = "/// <param name=\"sampleWeights\">One finite, non-negative weight per sample, or <c>default</c> for the unweighted mean.</param>";
            string packedInputs = "new global::System.ReadOnlySpan<float>(packed, 0, n * InputSize)";
            Batch($"public float ComputeLoss({list}, {ReadOnlySpan} targets)", "ComputeLoss",
                $"return ComputeLoss({packedInputs}, targets);", "The mean loss over the n samples.", new[] { targetsDoc });
            Batch($"public float ComputeGradients({list}, {ReadOnlySpan} targets, {ReadOnlySpan} sampleWeights)", "ComputeGradients",
                $"return sampleWeights.IsEmpty ? ComputeGradients({packedInputs}, targets) : ComputeGradients({packedInputs}, targets, sampleWeights);",
                "The (weighted) mean loss.", new[] { targetsDoc, weightsDoc });
            Batch($"public float TrainStep({list}, {ReadOnlySpan} targets, {ReadOnlySpan} sampleWeights, global::StaticNet.Optimizers.Optimizer optimizer)", "TrainStep",
                $"return sampleWeights.IsEmpty ? TrainStep({packedInputs}, targets, optimizer) : TrainStep({packedInputs}, targets, sampleWeights, optimizer);",
                "The (weighted) mean loss before the step.",
                new[] { targetsDoc, weightsDoc, "/// <param name=\"optimizer\">The optimizer; it binds to the first network it steps.</param>" });
        }
        if (network.HasInputGradient)
        {
            Batch($"public void ForwardTraining({list}, {Span} outputs)", "ForwardTraining", "ForwardTraining(new global::System.Span<float>(packed, 0, n * InputSize), outputs);", "", new[] { outputsDoc });
            string gradients = string.Join(", ", parts.Select(p => $"{Span} {p.Parameter}Gradients"));
            w.Line("/// <summary>");
            w.Line("/// <see cref=\"Backward(global::System.ReadOnlySpan{float}, global::System.Span{float})\"/> with the input gradient split per input:");
            w.Line("/// each span gets ∂L/∂ that input, n samples of its size (pass <c>default</c> for all of them to skip the input gradient).");
            w.Line("/// Allocates nothing once the shared pool holds a large enough buffer.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"outputGradients\">∂L/∂output, n × <see cref=\"OutputSize\"/> floats.</param>");
            foreach (Part p in parts)
                w.Line($"/// <param name=\"{p.Parameter}Gradients\">n × <see cref=\"{p.Size}\"/> floats, overwritten with ∂L/∂{Identifiers.Doc(p.Layer.Name)}; or default.</param>");
            w.Open($"public void Backward({ReadOnlySpan} outputGradients, {gradients})");
            w.Line($"if ({string.Join(" && ", parts.Select(p => $"{p.Parameter}Gradients.IsEmpty"))}) {{ Backward(outputGradients, default); return; }}");
            w.Line("int n = -1;");
            foreach (Part p in parts)
                w.Line($"n = {Packing}.Samples({p.Parameter}Gradients, {p.Size}, n, nameof({p.Parameter}Gradients), {className});");
            w.Line($"float[] packed = {Packing}.Rent(n * InputSize);");
            w.Open("try");
            w.Line("Backward(outputGradients, new global::System.Span<float>(packed, 0, n * InputSize));");
            foreach (Part p in parts)
                w.Line($"{Packing}.Unpack(packed, InputSize, {p.Offset}, {p.Size}, {p.Parameter}Gradients, n);");
            w.Close();
            w.Line($"finally {{ {Packing}.Return(packed); }}");
            w.Close();
            w.Line();
        }

        w.Line("/// <summary>Checks that the inputs hold the same number of whole samples, and packs them into a pooled buffer (give it back to the pool).</summary>");
        w.Open($"private static float[] PackInputs({list}, out int n)");
        w.Line("n = -1;");
        foreach (Part p in parts)
            w.Line($"n = {Packing}.Samples({p.Parameter}, {p.Size}, n, nameof({p.Parameter}), {className});");
        w.Line($"float[] packed = {Packing}.Rent(n * InputSize);");
        foreach (Part p in parts)
            w.Line($"{Packing}.Pack({p.Parameter}, {p.Size}, {p.Offset}, packed, InputSize, n);");
        w.Line("return packed;");
        w.Close();
        w.Line();
    }
}
