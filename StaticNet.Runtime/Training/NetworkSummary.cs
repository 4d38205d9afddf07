using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StaticNet;

/// <summary>One module of a network in a <see cref="NetworkSummary"/>: a PyTorch module that owns tensors.</summary>
/// <param name="Name">The module's name, the prefix of its tensors' names (<c>fc1</c>, <c>0</c>); empty for tensors at the top level.</param>
/// <param name="Kind">The PyTorch module it matches, told from its tensors: <c>Linear</c>, <c>Conv2d</c>, <c>Conv1d</c>, <c>BatchNorm</c>, <c>Embedding</c>, <c>LSTM</c>, <c>GRU</c>, <c>RNN</c>, or <c>?</c>.</param>
/// <param name="Description">Its sizes, e.g. <c>784 → 128</c>, <c>1 → 16, 3×3</c>.</param>
/// <param name="OutputShape">
/// Its output shape as far as the tensors tell (<c>[128]</c>, <c>[16, ?, ?]</c> when the spatial size is not known,
/// <c>[…, 32]</c> when the leading dimensions are not known).
/// </param>
/// <param name="Parameters">Its trainable parameters, counted as PyTorch counts them (buffers such as running statistics excluded).</param>
/// <param name="MultiplyAdds">
/// Multiply-adds per sample in inference, or null when they depend on a size not known at run time (a convolution's
/// output size, a sequence's length).
/// </param>
/// <param name="Tensors">Its tensors, with PyTorch names and shapes.</param>
public sealed record LayerSummary(string Name, string Kind, string Description, string OutputShape, long Parameters, long? MultiplyAdds,
    IReadOnlyList<ParameterTensor> Tensors);

/// <summary>
/// What a network is made of, as <c>torchinfo.summary</c> shows a PyTorch model: its modules, their output shapes,
/// parameters and multiply-adds, and the totals. Get one with <see cref="NetworkSummaryExtensions.Summary"/>;
/// <see cref="ToString"/> is the table.
/// </summary>
/// <remarks>
/// A generated network describes its tensors at run time (<see cref="INetwork.ParameterTensors"/>: PyTorch names and
/// shapes), not its layer list, which lives in the generated file's header comment. So the summary lists the modules
/// that own tensors, tells their kind from the tensors' names and shapes, and leaves out the layers without tensors
/// (activations, pooling, Flatten, Dropout). Sizes that only the layer list knows (a convolution's output height and
/// width, a sequence's length) show as <c>?</c> or <c>…</c>, and their multiply-adds as unknown; the total is given
/// only when every module's count is known (a stack of Linear layers on a vector input).
/// </remarks>
public sealed class NetworkSummary
{
    /// <summary>
    /// A summary from a layer table known elsewhere (e.g. one a generated class emits from its shape inference, with
    /// every layer, its output shape and multiply-adds), with the network's sizes and the buffers among its tensors.
    /// <see cref="Of"/> infers the table from the tensors instead.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="layers">Every layer, in order.</param>
    public NetworkSummary(INetwork network, IReadOnlyList<LayerSummary> layers)
        : this(Checked(network).GetType().Name, network.InputSize, network.OutputSize, network.ParameterCount, network.Parameters.Length,
            Checked(layers), BufferElementsOf(network), inferred: false)
    {
    }

    private NetworkSummary(string networkName, int inputSize, int outputSize, int parameterCount, int internalLength,
        IReadOnlyList<LayerSummary> layers, long bufferElements, bool inferred)
    {
        IsInferredFromTensors = inferred;
        NetworkName = networkName;
        InputSize = inputSize;
        OutputSize = outputSize;
        ParameterCount = parameterCount;
        InternalParameterLength = internalLength;
        Layers = layers;
        BufferElements = bufferElements;
        long total = 0;
        bool known = layers.Count > 0;
        foreach (LayerSummary layer in layers)
        {
            if (layer.MultiplyAdds is long count) total += count;
            else known = false;
        }
        MultiplyAdds = known ? total : null;
    }

    /// <summary>
    /// Whether <see cref="Layers"/> was told from the tensors (<see cref="Of"/>): then layers without tensors are missing
    /// and some sizes unknown.
    /// </summary>
    public bool IsInferredFromTensors { get; }

    /// <summary>The network's type name.</summary>
    public string NetworkName { get; }

    /// <summary>The number of floats in one input sample.</summary>
    public int InputSize { get; }

    /// <summary>The number of floats in one output sample.</summary>
    public int OutputSize { get; }

    /// <summary>The trainable parameters, as PyTorch counts them (<see cref="INetwork.ParameterCount"/>).</summary>
    public int ParameterCount { get; }

    /// <summary>The floats of the internal parameter buffer (<see cref="INetwork.Parameters"/>), padding and buffers included.</summary>
    public int InternalParameterLength { get; }

    /// <summary>The elements of non-trainable tensors (BatchNorm's running statistics and batch count).</summary>
    public long BufferElements { get; }

    /// <summary>The modules that own tensors, in the network's order.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>Multiply-adds per sample in inference, when every module's count is known; otherwise null.</summary>
    public long? MultiplyAdds { get; }

    /// <summary>Floating-point operations per sample in inference, two per multiply-add, when known; otherwise null.</summary>
    public long? Flops => MultiplyAdds * 2;

    /// <summary>Summarises a network from its tensors (see the remarks of <see cref="NetworkSummary"/>).</summary>
    public static NetworkSummary Of(INetwork network)
    {
        Throw.IfNull(network);
        IReadOnlyList<ParameterTensor> tensors = network.ParameterTensors;

        // Group the tensors by module, keeping the network's order (a module's tensors are adjacent).
        var modules = new List<(string Name, List<ParameterTensor> Tensors)>();
        foreach (ParameterTensor tensor in tensors)
        {
            int dot = tensor.Name.LastIndexOf('.');
            string module = dot < 0 ? "" : tensor.Name.Substring(0, dot);
            if (modules.Count == 0 || modules[modules.Count - 1].Name != module) modules.Add((module, new List<ParameterTensor>()));
            modules[modules.Count - 1].Tensors.Add(tensor);
        }

        var layers = new List<LayerSummary>(modules.Count);
        bool vectorInput = true;   // whether every module so far sees one row per sample (so its count is exact)
        int features = network.InputSize;
        foreach ((string name, List<ParameterTensor> moduleTensors) in modules)
        {
            long parameters = 0;
            foreach (ParameterTensor tensor in moduleTensors)
                if (!IsBuffer(tensor)) parameters += tensor.ElementCount;
            LayerSummary layer = Describe(name, moduleTensors, parameters, ref vectorInput, ref features);
            layers.Add(layer);
        }
        return new NetworkSummary(network.GetType().Name, network.InputSize, network.OutputSize, network.ParameterCount,
            network.Parameters.Length, layers, BufferElementsOf(network), inferred: true);
    }

    private static long BufferElementsOf(INetwork network)
    {
        long count = 0;
        foreach (ParameterTensor tensor in network.ParameterTensors)
            if (IsBuffer(tensor)) count += tensor.ElementCount;
        return count;
    }

    private static T Checked<T>(T value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null) where T : class
    {
        Throw.IfNull(value, name);
        return value;
    }

    private static LayerSummary Describe(string name, List<ParameterTensor> tensors, long parameters, ref bool vectorInput, ref int features)
    {
        ParameterTensor? weight = Find(tensors, "weight"), bias = Find(tensors, "bias"), inputWeight = Find(tensors, "weight_ih_l0"),
            hiddenWeight = Find(tensors, "weight_hh_l0"), runningMean = Find(tensors, "running_mean");
        if (inputWeight is not null && hiddenWeight is not null && inputWeight.Shape.Length == 2 && hiddenWeight.Shape.Length == 2)
        {
            int hidden = hiddenWeight.Shape[1], inputs = inputWeight.Shape[1], gates = inputWeight.Shape[0] / Math.Max(1, hidden);
            string kind = gates switch { 4 => "LSTM", 3 => "GRU", 1 => "RNN", _ => "?" };
            vectorInput = false;
            return new LayerSummary(name, kind, Text($"{inputs} → {hidden}, per step"), Text($"[…, {hidden}]"), parameters, null, tensors);
        }
        if (weight is not null && runningMean is not null)
        {
            int channels = weight.Shape[0];
            // On a vector input, BatchNorm in inference is one multiply-add per feature (the folded scale and shift).
            long? count = vectorInput && features == channels ? channels : null;
            return new LayerSummary(name, "BatchNorm", Text($"{channels} features"), vectorInput && features == channels ? Text($"[{channels}]") : Text($"[{channels}, …]"),
                parameters, count, tensors);
        }
        if (weight is not null && weight.Shape.Length == 2 && bias is null && tensors.Count == 1)
        {
            vectorInput = false;
            return new LayerSummary(name, "Embedding", Text($"{weight.Shape[0]} tokens → {weight.Shape[1]}"), Text($"[…, {weight.Shape[1]}]"), parameters, null, tensors);
        }
        if (weight is not null && weight.Shape.Length is 1 or 2)
        {
            // A Linear ([out, in]); a one-unit Linear keeps PyTorch's [1, in] too.
            int outputs = weight.Shape.Length == 2 ? weight.Shape[0] : 1, inputs = weight.Shape[weight.Shape.Length - 1];
            bool exact = vectorInput && features == inputs;
            vectorInput = exact;
            features = outputs;
            return new LayerSummary(name, "Linear", Text($"{inputs} → {outputs}"), exact ? Text($"[{outputs}]") : Text($"[…, {outputs}]"), parameters,
                exact ? (long)inputs * outputs : null, tensors);
        }
        if (weight is not null && weight.Shape.Length is 3 or 4)
        {
            ReadOnlySpan<int> shape = weight.Shape;
            vectorInput = false;
            return shape.Length == 4
                ? new LayerSummary(name, "Conv2d", Text($"{shape[1]} → {shape[0]}, {shape[2]}×{shape[3]}"), Text($"[{shape[0]}, ?, ?]"), parameters, null, tensors)
                : new LayerSummary(name, "Conv1d", Text($"{shape[1]} → {shape[0]}, {shape[2]}"), Text($"[{shape[0]}, ?]"), parameters, null, tensors);
        }
        vectorInput = false;
        return new LayerSummary(name, "?", "", "?", parameters, null, tensors);
    }

    private static ParameterTensor? Find(List<ParameterTensor> tensors, string suffix)
    {
        foreach (ParameterTensor tensor in tensors)
        {
            string name = tensor.Name;
            if (name == suffix || name.EndsWith("." + suffix, StringComparison.Ordinal)) return tensor;
        }
        return null;
    }

    /// <summary>BatchNorm's running statistics and batch count: saved, but not trained.</summary>
    internal static bool IsBuffer(ParameterTensor tensor) =>
        tensor.IsInteger || tensor.Name.EndsWith("running_mean", StringComparison.Ordinal) || tensor.Name.EndsWith("running_var", StringComparison.Ordinal);

    /// <summary>
    /// The summary as a text table, one row per module with its tensors, then the totals, e.g.
    /// <code>
    /// Module  Kind    Sizes       Output  Parameters  Mult-adds
    /// fc1     Linear  784 → 128   [128]      100,480    100,352
    /// </code>
    /// </summary>
    public override string ToString()
    {
        var rows = new List<string[]> { new[] { "Module", "Kind", "Sizes", "Output", "Tensors", "Parameters", "Mult-adds" } };
        foreach (LayerSummary layer in Layers)
        {
            var tensorText = new StringBuilder();
            foreach (ParameterTensor tensor in layer.Tensors)
            {
                if (tensorText.Length > 0) tensorText.Append(", ");
                string shortName = layer.Name.Length > 0 && tensor.Name.StartsWith(layer.Name + ".", StringComparison.Ordinal)
                    ? tensor.Name.Substring(layer.Name.Length + 1)
                    : tensor.Name;
                tensorText.Append(shortName).Append(' ').Append(tensor.ShapeText);
            }
            rows.Add(new[]
            {
                layer.Name.Length == 0 ? "(top)" : layer.Name, layer.Kind, layer.Description, layer.OutputShape, tensorText.ToString(),
                Count(layer.Parameters), layer.MultiplyAdds is long count ? Count(count) : "?",
            });
        }
        var widths = new int[rows[0].Length];
        foreach (string[] row in rows)
            for (int c = 0; c < row.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);

        var text = new StringBuilder();
        text.Append(NetworkName).Append(Text($": {InputSize} input{(InputSize == 1 ? "" : "s")} → {OutputSize} output{(OutputSize == 1 ? "" : "s")}")).AppendLine();
        int ruleLength = 0;
        foreach (int width in widths) ruleLength += width + 2;
        string rule = new string('─', ruleLength - 2);
        text.AppendLine(rule);
        for (int r = 0; r < rows.Count; r++)
        {
            string[] row = rows[r];
            for (int c = 0; c < row.Length; c++)
            {
                bool number = c >= row.Length - 2;
                string cell = number ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]);
                text.Append(cell);
                if (c < row.Length - 1) text.Append("  ");
            }
            TrimEnd(text);
            text.AppendLine();
            if (r == 0) text.AppendLine(rule);
        }
        text.AppendLine(rule);
        text.Append("Trainable parameters: ").Append(Count(ParameterCount))
            .Append(Text($" ({ParameterCount * 4.0 / 1024:#,0.0} KiB as float32; internal buffer {InternalParameterLength * 4.0 / 1024:#,0.0} KiB with padding)")).AppendLine();
        if (BufferElements > 0) text.Append("Buffers (running statistics): ").Append(Count(BufferElements)).AppendLine();
        text.Append("Mult-adds per sample: ").Append(MultiplyAdds is long total ? Count(total) + Text($" ({total * 2:#,0} FLOPs)") : "not known at run time (see ? above)").AppendLine();
        if (IsInferredFromTensors)
            text.Append("Layers without tensors (activations, pooling, Flatten, Dropout) are not listed; ? and … are sizes the network does not expose at run time.");
        return text.ToString().TrimEnd();
    }

    private static void TrimEnd(StringBuilder text)
    {
        while (text.Length > 0 && text[text.Length - 1] == ' ') text.Length--;
    }

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Adds <see cref="Summary"/> to every network.</summary>
public static class NetworkSummaryExtensions
{
    /// <summary>
    /// The network's modules, output shapes, parameters and multiply-adds, as <c>torchinfo.summary</c>; print it with
    /// <c>Console.WriteLine(net.Summary())</c>.
    /// </summary>
    public static NetworkSummary Summary(this INetwork network) => NetworkSummary.Of(network);
}
