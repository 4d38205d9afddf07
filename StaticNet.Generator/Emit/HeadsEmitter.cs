using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// A network with several outputs (<c>[Output("policy", ...)] [Output("value", ...)]</c>) runs on one packed output
/// (<see cref="HeadsLayer"/>): each sample's heads one after the other, in declaration order. This writes the per-head
/// constants, the loss (Σ weight·loss over the heads' columns) and the overloads that take one span per head, which
/// pack or unpack through a pooled buffer and call the packed member.
/// </summary>
internal static class HeadsEmitter
{
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Packing = "global::StaticNet.Kernels.InputPacking";

    private static readonly HashSet<string> s_taken = new(System.StringComparer.Ordinal)
    {
        "input", "inputs", "output", "outputs", "targets", "labels", "sampleWeights", "optimizer", "outputGradients", "inputGradients",
        "packed", "packedOutputs", "packedInputs", "n", "buffer",
    };

    /// <summary>One head: its declaration, the layer it is, where its columns lie in the packed output and its resolved loss.</summary>
    internal sealed record Head(HeadSpec Spec, ShapedLayer Layer, string Name, string Identifier, string Parameter, int Offset, int Size, LossKind Loss)
    {
        public string SizeConstant => Identifier + "OutputSize";
        public string OffsetConstant => Identifier + "OutputOffset";
    }

    /// <summary>The network's heads, or null for a network with one output.</summary>
    public static List<Head>? Heads(ShapedNetwork network)
    {
        if (HeadsLayer.Of(network) is not { } heads) return null;
        IReadOnlyList<HeadSpec> specs = HeadsLayer.Heads(heads.Spec);
        (int Offset, int Size)[] columns = HeadsLayer.Columns(network, heads);
        var inputParameters = new HashSet<string>(InputParts(network).Select(p => p.Parameter));
        var result = new List<Head>();
        for (int k = 0; k < specs.Count; k++)
        {
            ShapedLayer layer = network.Layers[heads.Source(k)];
            string id = layer.Identifier;
            string parameter = char.ToLowerInvariant(id[0]) + id.Substring(1);
            if (s_taken.Contains(parameter) || inputParameters.Contains(parameter) || result.Any(h => h.Parameter == parameter)) parameter += "Output";
            result.Add(new Head(specs[k], layer, layer.Name, id, Identifiers.Escape(parameter), columns[k].Offset, columns[k].Size, HeadsLayer.LossOf(specs[k], network.Spec)));
        }
        return result;
    }

    /// <summary>The several inputs' parameters (as <see cref="SeveralInputsEmitter"/> names them), or empty for one input.</summary>
    private static List<(string Parameter, string Size)> InputParts(ShapedNetwork network) =>
        SeveralInputsEmitter.Applies(network) ? SeveralInputsEmitter.Parameters(network) : new List<(string, string)>();

    /// <summary>The member names this adds, for <see cref="GeneratedMembers"/>: constants and the overloads' parameter counts.</summary>
    public static void AddMembers(ShapedNetwork network, Dictionary<string, int[]?> members)
    {
        if (Heads(network) is not { } heads) return;
        foreach (Head head in heads)
        {
            members[head.SizeConstant] = null;
            members[head.OffsetConstant] = null;
        }
        if (heads.Count < 2) return;
        int h = heads.Count, inputs = System.Math.Max(1, InputParts(network).Count);
        void Add(string name, int count) => GeneratedMembers.AddCount(members, name, count);
        Add("Forward", inputs + h);
        Add("ForwardBatch", inputs + h);
        Add("UnpackHeads", 2 + h);
        if (network.Spec.Loss == LossKind.None) return;
        Add("ComputeLoss", 1 + h);
        Add("ComputeGradients", 2 + h);
        Add("TrainStep", 3 + h);
        Add("PackTargets", 2 + h);
        if (!network.HasInputGradient) return;
        Add("ForwardTraining", inputs + h);
        Add("Backward", h + inputs);
    }

    /// <summary>The loss, for documentation: <c>1 × the cross-entropy … of 'policy' + 0.5 × the mean squared error … of 'value'</c>.</summary>
    public static string LossText(ShapedNetwork network) =>
        string.Join(" + ", Heads(network)!.Select(h => $"{LayerDefinition.Text(h.Spec.Weight)} × {LossName(h.Loss)} of '{Identifiers.Doc(h.Name)}'"));

    private static string LossName(LossKind loss) => loss switch
    {
        LossKind.MeanSquaredError => "the mean squared error",
        LossKind.BinaryCrossEntropy => "the binary cross-entropy on logits",
        LossKind.Huber => "the Huber loss",
        LossKind.L1 => "the mean absolute error",
        _ => "the softmax cross-entropy",
    };

    /// <summary>
    /// Adds one chunk's Σ weight·loss over the heads to <paramref name="accumulator"/>, each head's loss a mean over its
    /// samples (cross-entropy) or over its outputs of every sample, times the caller's 1/samples <c>scale</c>: a head
    /// contributes weight/size (or weight, for cross-entropy) times its summed loss, and its gradient that times
    /// <c>scale</c>. Reads <c>logits</c>, <c>dLogits</c>, <c>targets</c> (packed, <c>OutputSize</c> per sample),
    /// <c>weights</c>, <c>start</c>, <c>rows</c> and <c>scale</c> of the chunk.
    /// </summary>
    public static void WriteLoss(CodeWriter w, ShapedNetwork network, string accumulator)
    {
        List<Head> heads = Heads(network)!;
        int rowLength = network.Output.RowLength;
        w.Open("for (int headRow = 0; headRow < rows; headRow++) // each head's loss on its columns of the packed output and targets");
        w.Line($"{ReadOnlySpan} headTargets = targets.Slice((start + headRow) * OutputSize, OutputSize);");
        w.Line("global::System.ReadOnlySpan<float> headWeights = global::StaticNet.Kernels.LossKernels.ChunkWeights(weights, start + headRow, 1);");
        foreach (Head head in heads)
        {
            string factor = head.Loss == LossKind.SoftmaxCrossEntropy
                ? LayerDefinition.Literal(head.Spec.Weight)
                : $"({LayerDefinition.Literal(head.Spec.Weight)} / {head.Size})";
            string beta = head.Loss == LossKind.Huber ? ", beta: " + LayerDefinition.Literal(network.Spec.HuberBeta) : "";
            string columns = $"headRow * {rowLength} + {head.Offset}, {head.Size}";
            w.Line($"{accumulator} += {factor} * global::StaticNet.Kernels.LossKernels.{head.Loss}(logits.Slice({columns}), headTargets.Slice({head.Offset}, {head.Size}), 1, {head.Size}, stride: {head.Size}, " +
                $"dLogits.IsEmpty ? default : dLogits.Slice({columns}), scale * {factor}{beta}, headWeights); // {Identifiers.Doc(head.Name)}: {head.Loss}, weight {LayerDefinition.Text(head.Spec.Weight)}");
        }
        w.Close();
    }

    /// <summary>The per-head size and offset constants.</summary>
    public static void WriteSizes(CodeWriter w, ShapedNetwork network)
    {
        foreach (Head head in Heads(network)!)
        {
            w.Line($"/// <summary>Where head {Identifiers.Doc(head.Name)} starts in a packed output sample of <see cref=\"OutputSize\"/> floats (the heads one after the other, in declaration order).</summary>");
            w.Line($"public const int {head.OffsetConstant} = {head.Offset};");
            w.Line();
            w.Line($"/// <summary>The number of floats of head {Identifiers.Doc(head.Name)} in one sample ({head.Loss}, weight {LayerDefinition.Text(head.Spec.Weight)}).</summary>");
            w.Line($"public const int {head.SizeConstant} = {head.Size};");
            w.Line();
        }
    }

    /// <summary>Whether the network has the overloads with one span per head: two heads or more (one head's span is the output).</summary>
    public static bool Applies(ShapedNetwork network) => Heads(network) is { Count: >= 2 };

    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        List<Head> heads = Heads(network)!;
        string className = Identifiers.Literal(network.Spec.ClassName);
        List<(string Parameter, string Size)> inputParts = InputParts(network);
        bool severalInputs = inputParts.Count > 0;
        string element = network.TakesTokens ? "int" : "float";
        string inputList = severalInputs ? string.Join(", ", inputParts.Select(p => $"{ReadOnlySpan} {p.Parameter}")) : $"global::System.ReadOnlySpan<{element}> input";
        string inputsList = severalInputs ? inputList : $"global::System.ReadOnlySpan<{element}> inputs";
        string headList = string.Join(", ", heads.Select(h => $"{Span} {h.Parameter}"));
        string headsText = string.Join(" and ", heads.Select(h => $"<paramref name=\"{h.Parameter}\"/>"));
        void InputDocs(bool batch)
        {
            if (severalInputs)
                foreach ((string parameter, string size) in inputParts)
                    w.Line($"/// <param name=\"{parameter}\">{(batch ? "n samples of " : "Exactly ")}<see cref=\"{size}\"/> floats.</param>");
            else
                w.Line(batch ? $"/// <param name=\"inputs\">n samples of <see cref=\"InputSize\"/> values, one after another.</param>" : "/// <param name=\"input\">Exactly <see cref=\"InputSize\"/> values.</param>");
        }
        void HeadDocs(bool batch, string what)
        {
            foreach (Head h in heads)
                w.Line($"/// <param name=\"{h.Parameter}\">{(batch ? "n samples of " : "Exactly ")}<see cref=\"{h.SizeConstant}\"/> floats, {what} of head {Identifiers.Doc(h.Name)}.</param>");
        }
        string packedInput = severalInputs ? "new global::System.ReadOnlySpan<float>(packedInputs, 0, n * InputSize)" : "inputs";

        // Forward, one sample.
        w.Line($"/// <summary>Runs one sample through the network and writes each head's output to its span ({headsText}). Allocates nothing after warm-up (a pooled buffer).</summary>");
        InputDocs(false);
        HeadDocs(false, "overwritten with the logits");
        w.Open($"public void Forward({inputList}, {headList})");
        foreach (Head h in heads)
            w.Line($"global::StaticNet.Kernels.Guard.SampleLength({h.Parameter}.Length, {h.SizeConstant}, nameof({h.Parameter}), {className});");
        w.Line($"float[] packed = {Packing}.Rent(OutputSize);");
        w.Open("try");
        w.Line($"Forward({(severalInputs ? string.Join(", ", inputParts.Select(p => p.Parameter)) : "input")}, new global::System.Span<float>(packed, 0, OutputSize));");
        foreach (Head h in heads)
            w.Line($"new global::System.ReadOnlySpan<float>(packed, {h.OffsetConstant}, {h.SizeConstant}).CopyTo({h.Parameter});");
        w.Close();
        w.Line($"finally {{ {Packing}.Return(packed); }}");
        w.Close();
        w.Line();

        // ForwardBatch, and ForwardTraining with GradientsFromCaller: n samples, unpacked per head.
        void Batch(string name, string doc)
        {
            w.Line($"/// <summary>{doc}, each head's outputs to its span ({headsText}), n samples each. Allocates nothing after warm-up (pooled buffers).</summary>");
            InputDocs(true);
            HeadDocs(true, "overwritten with the outputs");
            w.Open($"public void {name}({inputsList}, {headList})");
            w.Line("int n = -1;");
            foreach (Head h in heads)
                w.Line($"n = {Packing}.Samples({h.Parameter}, {h.SizeConstant}, n, nameof({h.Parameter}), {className});");
            w.Line($"float[] packed = {Packing}.Rent(n * OutputSize);");
            w.Open("try");
            string call = severalInputs ? string.Join(", ", inputParts.Select(p => p.Parameter)) : "inputs";
            w.Line($"{name}({call}, new global::System.Span<float>(packed, 0, n * OutputSize));");
            w.Line($"UnpackHeads(packed, n, {string.Join(", ", heads.Select(h => h.Parameter))});");
            w.Close();
            w.Line($"finally {{ {Packing}.Return(packed); }}");
            w.Close();
            w.Line();
        }
        Batch("ForwardBatch", "Runs n samples through the network (<c>ForwardBatch</c> on the packed outputs)");
        bool trains = network.Spec.Loss != LossKind.None;
        if (trains && network.HasInputGradient)
            Batch("ForwardTraining", "The training-mode forward pass of <c>ForwardTraining</c>, keeping what <c>Backward</c> needs");

        w.Line("/// <summary>Copies each head's columns of n packed output samples to its span.</summary>");
        w.Open($"private static void UnpackHeads(float[] packed, int n, {headList})");
        foreach (Head h in heads)
            w.Line($"{Packing}.Unpack(packed, OutputSize, {h.OffsetConstant}, {h.SizeConstant}, {h.Parameter}, n);");
        w.Close();
        w.Line();
        if (!trains) return;

        // Training with one target span per head (packed inputs, as the training members of several inputs).
        string targetList = string.Join(", ", heads.Select(h => $"{ReadOnlySpan} {h.Parameter}Targets"));
        string targetNames = string.Join(", ", heads.Select(h => $"{h.Parameter}Targets"));
        string trainInputs = $"global::System.ReadOnlySpan<{element}> inputs";
        void TargetDocs()
        {
            w.Line($"/// <param name=\"inputs\">n × <see cref=\"InputSize\"/> {(network.TakesTokens ? "token ids" : "floats")}, one (packed) sample after another.</param>");
            foreach (Head h in heads)
                w.Line($"/// <param name=\"{h.Parameter}Targets\">n × <see cref=\"{h.SizeConstant}\"/> floats: head {Identifiers.Doc(h.Name)}'s targets ({h.Loss}).</param>");
        }
        const string weightsDoc = "/// <param name=\"sampleWeights\">One finite, non-negative weight per sample, applied to every head's loss; or <c>default</c> for all ones.</param>";
        string lossText = LossText(network);
        void Training(string signature, string doc, string call, string[] extraDocs, string returns)
        {
            w.Line($"/// <summary>{doc}, with one target span per head: packs them into a pooled buffer and calls the packed member. The loss is {lossText}.</summary>");
            TargetDocs();
            foreach (string extra in extraDocs) w.Line(extra);
            w.Line($"/// <returns>{returns}</returns>");
            w.Open(signature);
            w.Line($"float[] packed = PackTargets({targetNames}, gradients: false, out int n);");
            w.Line($"try {{ return {call}; }}");
            w.Line($"finally {{ {Packing}.Return(packed); }}");
            w.Close();
            w.Line();
        }
        const string packedTargets = "new global::System.ReadOnlySpan<float>(packed, 0, n * OutputSize)";
        Training($"public float ComputeLoss({trainInputs}, {targetList})", "<c>ComputeLoss</c>", $"ComputeLoss(inputs, {packedTargets})", new string[0], "The weighted loss; nothing changes.");
        Training($"public float ComputeGradients({trainInputs}, {targetList}, {ReadOnlySpan} sampleWeights)", "<c>ComputeGradients</c>",
            $"ComputeGradients(inputs, {packedTargets}, sampleWeights)", new[] { weightsDoc }, "The weighted loss; <c>Gradients</c> holds its gradient.");
        Training($"public float TrainStep({trainInputs}, {targetList}, {ReadOnlySpan} sampleWeights, global::StaticNet.Optimizers.Optimizer optimizer)", "One <c>TrainStep</c>",
            $"TrainStep(inputs, {packedTargets}, sampleWeights, optimizer)", new[] { weightsDoc, "/// <param name=\"optimizer\">The optimizer; it binds to the first network it steps.</param>" }, "The weighted loss before the step.");

        w.Line("/// <summary>Checks that the heads' spans hold the same number of whole samples, and packs them into a pooled buffer (give it back to the pool).</summary>");
        w.Open($"private static float[] PackTargets({string.Join(", ", heads.Select(h => $"{ReadOnlySpan} {h.Parameter}"))}, bool gradients, out int n)");
        w.Line("n = -1;");
        foreach (Head h in heads)
            w.Line($"n = {Packing}.Samples({h.Parameter}, {h.SizeConstant}, n, gradients ? {Identifiers.Literal(h.Parameter.TrimStart('@') + "Gradients")} : {Identifiers.Literal(h.Parameter.TrimStart('@') + "Targets")}, {className});");
        w.Line($"float[] packed = {Packing}.Rent(n * OutputSize);");
        foreach (Head h in heads)
            w.Line($"{Packing}.Pack({h.Parameter}, {h.SizeConstant}, {h.OffsetConstant}, packed, OutputSize, n);");
        w.Line("return packed;");
        w.Close();
        w.Line();

        if (!network.HasInputGradient) return;
        string gradientList = string.Join(", ", heads.Select(h => $"{ReadOnlySpan} {h.Parameter}Gradients"));
        string gradientNames = string.Join(", ", heads.Select(h => $"{h.Parameter}Gradients"));
        string inputGradientList = severalInputs ? string.Join(", ", inputParts.Select(p => $"{Span} {p.Parameter}Gradients")) : $"{Span} inputGradients";
        string inputGradientNames = severalInputs ? string.Join(", ", inputParts.Select(p => $"{p.Parameter}Gradients")) : "inputGradients";
        w.Line("/// <summary>");
        w.Line("/// <c>Backward</c> with one output gradient per head: ∂L/∂ each head's outputs of the last <c>ForwardTraining</c>, packed");
        w.Line("/// into a pooled buffer; the heads' gradients add up in the layers they share. Allocates nothing after warm-up.");
        w.Line("/// </summary>");
        foreach (Head h in heads)
            w.Line($"/// <param name=\"{h.Parameter}Gradients\">n × <see cref=\"{h.SizeConstant}\"/> floats: ∂L/∂{Identifiers.Doc(h.Name)} (zeros for a head that gets none).</param>");
        if (severalInputs)
            foreach ((string parameter, string size) in inputParts)
                w.Line($"/// <param name=\"{parameter}Gradients\">n × <see cref=\"{size}\"/> floats, overwritten with ∂L/∂ that input; or <c>default</c> (all of them) to skip the input gradient.</param>");
        else
            w.Line("/// <param name=\"inputGradients\">n × <see cref=\"InputSize\"/> floats, overwritten with ∂L/∂input; or <c>default</c> to skip it.</param>");
        w.Open($"public void Backward({gradientList}, {inputGradientList})");
        w.Line($"float[] packed = PackTargets({gradientNames}, gradients: true, out int n);");
        w.Line($"try {{ Backward(new global::System.ReadOnlySpan<float>(packed, 0, n * OutputSize), {inputGradientNames}); }}");
        w.Line($"finally {{ {Packing}.Return(packed); }}");
        w.Close();
        w.Line();
    }
}
