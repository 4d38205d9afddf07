using System.Collections.Generic;
using System.Linq;
using System.Text;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The export members of every network: <c>SaveOnnx</c> (a path and a stream; each layer's nodes from its home's
/// <see cref="LayerDefinition.WriteOnnx"/>), and the equivalent PyTorch module as source, <c>PyTorchSource</c> and
/// <c>ExportPyTorch</c> (each layer's modules from its home's <see cref="LayerDefinition.PyTorchModules"/>).
/// </summary>
internal static class ExportEmitter
{
    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        WriteOnnx(w, network);
        WritePyTorch(w, network);
    }

    private static string Dims(EquatableArray<int> dims) =>
        "global::StaticNet.IO.Onnx.OnnxGraphBuilder.Batch" + string.Concat(dims.Select(d => ", " + d));

    private static void WriteOnnx(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        bool severalInputs = SeveralInputsEmitter.Applies(network);
        w.Line("/// <summary>");
        w.Line($"/// Writes the network as an ONNX model (opset {17}) to a file: the layers as ONNX operators in PyTorch's layouts, the");
        w.Line($"/// weights as initializers named as in safetensors, {(severalInputs ? "inputs " + InputList(network, "<c>", "</c>") : "input <c>input</c>")} and output <c>output</c> with a symbolic batch");
        w.Line("/// dimension <c>N</c>. Written to a temporary file beside <paramref name=\"path\"/> and moved over it when complete, so that");
        w.Line("/// a failure leaves no half-written file (and an existing file as it was).");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">A layer has no ONNX export (the message names it); nothing was written.</exception>");
        w.Line("public void SaveOnnx(string path) =>");
        w.Line("    global::StaticNet.IO.Onnx.OnnxExport.SaveToFile(path, SaveOnnx);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Writes the network as an ONNX model to <paramref name=\"stream\"/> (see <c>SaveOnnx(string)</c>). The whole model is");
        w.Line("/// built before the first byte is written, so an unsupported layer writes nothing. Refused while another thread trains or loads the instance.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">A layer has no ONNX export (the message names it); nothing was written.</exception>");
        w.Open("public void SaveOnnx(global::System.IO.Stream stream)");
        w.Line("if (stream is null) throw new global::System.ArgumentNullException(nameof(stream));");
        w.Line($"var onnx = new global::StaticNet.IO.Onnx.OnnxGraphBuilder({LayerDefinition.Quote(name)});");
        w.Line("EnterExclusive(nameof(SaveOnnx));");
        w.Line("try { global::StaticNet.IO.Onnx.OnnxExport.AddInitializers(onnx, s_parameterTensors, _parameters.Span); }");
        w.Line("finally { ExitExclusive(); }");
        // Several inputs: each InputSlice declares its own graph input (InputSliceLayer.WriteOnnx), none reads the packed one.
        w.Line(severalInputs ? "string x;" : $"string x = onnx.Input(\"input\", {Dims(network.Input.Dims)});");
        bool graph = network.IsGraph;
        if (graph && !severalInputs)
        {
            // A graph: each layer's output value is kept in values[index], and each layer starts from its source's value.
            w.Line("string inputValue = x;");
        }
        if (graph) w.Line($"var values = new string[{network.Layers.Count}];");
        // Kept in values[]: the outputs a layer reads other than as the one before it (From, a merge's operands).
        var kept = new HashSet<int>(network.Layers.SelectMany(l => Enumerable.Range(0, l.OperandCount)
            .Where(k => k > 0 || l.Source(0) != l.Index - 1).Select(k => l.Source(k))).Where(source => source >= 0));
        foreach (ShapedLayer layer in network.Layers)
        {
            w.Line($"onnx.Scope({LayerDefinition.Quote(layer.Name)});");
            if (graph && layer.Kind != LayerKind.InputSlice && layer.Source(0) != layer.Index - 1 && !(layer.Index == 0 && layer.Source(0) < 0)) w.Line($"x = {OnnxValue(layer, 0)};");
            layer.Definition.WriteOnnx(w, layer);
            if (graph && kept.Contains(layer.Index)) w.Line($"values[{layer.Index}] = x;");
        }
        w.Line("onnx.Scope(\"\");");
        w.Line($"onnx.Output(x, \"output\", {Dims(network.Output.Dims)});");
        w.Line("onnx.WriteTo(stream);");
        w.Close();
        w.Line();
    }

    /// <summary>
    /// In a graph network's <c>SaveOnnx</c>, the expression for the ONNX value operand <paramref name="k"/> of
    /// <paramref name="layer"/> reads: <c>values[source]</c>, or <c>inputValue</c> for the network's input.
    /// </summary>
    public static string OnnxValue(ShapedLayer layer, int k) => layer.Source(k) is var source && source >= 0 ? $"values[{source}]" : "inputValue";

    /// <summary>A network's several inputs as the docs list them: <c>state [N, 6], action [N, 2]</c>, each wrapped in <paramref name="open"/>…<paramref name="close"/>.</summary>
    private static string InputList(ShapedNetwork network, string open, string close) =>
        string.Join(", ", network.Layers.Where(l => l.Kind == LayerKind.InputSlice).Select(l => open + l.Name + " [N, " + InputSliceLayer.Size(l.Spec) + "]" + close));

    private static void WritePyTorch(CodeWriter w, ShapedNetwork network)
    {
        string source = PyTorchSource(network);
        w.Line("/// <summary>");
        w.Line("/// The equivalent PyTorch module as Python source: <c>class " + network.Spec.ClassName + "(nn.Module)</c>, whose <c>state_dict()</c> names");
        w.Line("/// and shapes are this network's safetensors names and shapes, so <c>load_state_dict(load_file(\"w.safetensors\"))</c> loads");
        w.Line("/// <c>SaveSafetensors</c>' file and <c>save_file(model.state_dict(), ...)</c> writes one <c>LoadSafetensors</c> reads. Its input");
        if (SeveralInputsEmitter.Applies(network))
            w.Line("/// is one tensor per input, <c>forward(" + string.Join(", ", network.Layers.Where(l => l.Kind == LayerKind.InputSlice).Select(l => Identifiers.Doc(l.Name))) + ")</c>: " + InputList(network, "<c>", "</c>") + ", its output the logits.");
        else
            w.Line("/// is <c>[N, " + string.Join(", ", network.Input.Dims) + "]</c> as <c>ForwardBatch</c>'s (token ids as floats), its output the logits.");
        w.Line("/// </summary>");
        int split = source.IndexOf("\n\n\nclass ", System.StringComparison.Ordinal) + 1;
        w.Line("public const string PyTorchSource = @\"" + source.Substring(0, split).Replace("\"", "\"\"") + "\" + global::StaticNet.IO.Onnx.PyTorchHelpers.Source + @\"" +
            source.Substring(split).Replace("\"", "\"\"") + "\";");
        w.Line();
        w.Line("/// <summary>Writes <see cref=\"PyTorchSource\"/> to a Python file (e.g. <c>model.py</c>).</summary>");
        w.Line("public static void ExportPyTorch(string path) => global::StaticNet.IO.Onnx.OnnxExport.WriteText(path, PyTorchSource);");
        w.Line();
    }

    /// <summary>The Python module: the helper modules, then the network as an <c>nn.Sequential</c> of named modules.</summary>
    public static string PyTorchSource(ShapedNetwork network)
    {
        var modules = new List<(string Name, string Module)>();
        var perLayer = new List<List<(string Name, string Module)>>();
        string? unsupported = null;
        foreach (ShapedLayer layer in network.Layers)
        {
            var own = new List<(string Name, string Module)>();
            if (layer.Definition.PyTorchModules(layer) is { } list) own.AddRange(list);
            else unsupported ??= $"{layer.Kind} '{layer.Name}' has no PyTorch equivalent in the export";
            modules.AddRange(own);
            perLayer.Add(own);
        }
        var s = new StringBuilder();
        s.Append("# Generated by StaticNet from ").Append(network.Spec.FullName).Append(": the same layers as PyTorch modules, with the same\n");
        if (SeveralInputsEmitter.Applies(network))
            s.Append("# state_dict names as its safetensors files. Inputs ").Append(InputList(network, "", "")).Append(", output [N, ")
                .Append(string.Join(", ", network.Output.Dims)).Append("] (logits).\n");
        else
            s.Append("# state_dict names as its safetensors files. Input [N, ").Append(string.Join(", ", network.Input.Dims)).Append("], output [N, ")
                .Append(string.Join(", ", network.Output.Dims)).Append("] (logits).\n");
        s.Append("\n\nclass ").Append(network.Spec.ClassName).Append("(nn.Module):\n");
        s.Append("    def __init__(self):\n");
        s.Append("        super().__init__()\n");
        if (unsupported is not null)
        {
            s.Append("        raise NotImplementedError(").Append(PythonString(network.Spec.ClassName + " cannot be written as PyTorch modules: " + unsupported)).Append(")\n");
            return s.ToString();
        }
        // Each module under its dotted name (nested containers as needed), so that state_dict() names are the safetensors names;
        // forward runs them in declaration order.
        s.Append("        self._order = []\n");
        foreach ((string name, string module) in modules)
            s.Append("        self._place(").Append(PythonString(name)).Append(", ").Append(module).Append(")\n");
        s.Append("\n    def _place(self, name, module):\n");
        s.Append("        parent, *path = self, *name.split('.')\n");
        s.Append("        for part in path[:-1]:\n");
        s.Append("            if not hasattr(parent, part):\n");
        s.Append("                parent.add_module(part, nn.Module())\n");
        s.Append("            parent = getattr(parent, part)\n");
        s.Append("        parent.add_module(path[-1], module)\n");
        s.Append("        self._order.append(module)\n");
        if (network.IsGraph)
        {
            WriteGraphForward(s, network, perLayer);
            return s.ToString();
        }
        s.Append("\n    def forward(self, x):\n");
        s.Append("        for module in self._order:\n");
        s.Append("            x = module(x)\n");
        s.Append("        return x\n");
        return s.ToString();
    }

    /// <summary>
    /// A graph network's <c>forward</c>: one statement per layer, each value named after its layer, each layer's modules
    /// applied to its source's value (a merge's first module to all of its operands).
    /// </summary>
    private static void WriteGraphForward(StringBuilder s, ShapedNetwork network, List<List<(string Name, string Module)>> perLayer)
    {
        var used = new HashSet<string>(System.StringComparer.Ordinal) { "self", "torch", "nn", "math" };
        string input = PythonIdentifier(network.InputName, used);
        var values = new string[network.Layers.Count];
        foreach (ShapedLayer layer in network.Layers)
            values[layer.Index] = PythonIdentifier(layer.Name, used);
        // Several inputs: forward takes one tensor per input (its InputSlice's value), in declaration order.
        List<ShapedLayer> slices = network.Layers.Where(l => l.Kind == LayerKind.InputSlice).ToList();
        string arguments = slices.Count > 0 ? string.Join(", ", slices.Select(l => values[l.Index])) : input;
        s.Append("\n    def forward(self, ").Append(arguments).Append("):\n");
        foreach (ShapedLayer layer in network.Layers)
        {
            if (layer.Kind == LayerKind.InputSlice) continue;
            string operands = string.Join(", ", Enumerable.Range(0, layer.OperandCount).Select(k => layer.Source(k) is var source && source >= 0 ? values[source] : input));
            string expression = operands;
            foreach ((string name, _) in perLayer[layer.Index])
                expression = ModuleAccess(name) + "(" + expression + ")";
            s.Append("        ").Append(values[layer.Index]).Append(" = ").Append(expression).Append('\n');
        }
        s.Append("        return ").Append(values[network.OutputLayer.Index]).Append('\n');
    }

    private static readonly HashSet<string> s_pythonKeywords = new(System.StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
        "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
        "while", "with", "yield", "input", "print", "sum", "len", "x",
    };

    /// <summary>A fresh Python local named after a layer: <c>block1.conv1</c> → <c>block1_conv1</c>, <c>3</c> → <c>v3</c>.</summary>
    private static string PythonIdentifier(string name, HashSet<string> used)
    {
        var b = new StringBuilder();
        foreach (char c in name) b.Append(c < 128 && (char.IsLetterOrDigit(c) || c == '_') ? c : '_');
        string text = b.Length == 0 || char.IsDigit(b[0]) || s_pythonKeywords.Contains(b.ToString()) ? "v" + b : b.ToString();
        string unique = text;
        for (int n = 2; !used.Add(unique); n++) unique = text + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return unique;
    }

    /// <summary>How forward reaches a module: <c>self.block1.conv1</c>, or <c>self.get_submodule('layers.0')</c> for names that are not identifiers.</summary>
    private static string ModuleAccess(string name)
    {
        string[] parts = name.Split('.');
        bool plain = parts.All(p => p.Length > 0 && (char.IsLetter(p[0]) || p[0] == '_') && p.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_')) && !s_pythonKeywords.Contains(p));
        return plain ? "self." + name : "self.get_submodule(" + PythonString(name) + ")";
    }

    private static string PythonString(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
