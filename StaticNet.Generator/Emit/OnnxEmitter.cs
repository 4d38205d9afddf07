using System.Linq;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The members an imported network (<c>[Network(Onnx = ...)]</c>) adds: the source of each tensor in the embedded model
/// and <c>LoadOnnxWeights()</c>; the constructors call the same loader after the default initialisation.
/// </summary>
internal static class OnnxEmitter
{
    public static void WriteOnnxWeights(CodeWriter w, ShapedNetwork network)
    {
        OnnxImport onnx = network.Spec.Onnx!;
        string prefix = network.Spec.NamePrefix ?? "";
        w.Line($"private const string s_onnxResource = {Identifiers.Literal(onnx.Resource)};");
        w.Line();
        w.Line("/// <summary>Where each tensor of <c>s_parameterTensors</c> comes from in the embedded ONNX model (initializer, its element count, start, transpose, gate order).</summary>");
        w.Open("private static readonly global::StaticNet.IO.OnnxTensorSource[] s_onnxSources =");
        foreach (ShapedLayer layer in network.Layers)
            foreach (TensorSpec tensor in layer.Tensors)
            {
                string full = layer.Name + "." + tensor.Suffix;
                OnnxSourceSpec? source = onnx.Sources.FirstOrDefault(s => prefix + s.Tensor == full);
                string initializer = source?.Initializer is { } name ? Identifiers.Literal(name) : "null";
                string order = source is null || source.GateOrder.Length == 0 ? "" : ", " + source.GateOrder;
                w.Line($"new global::StaticNet.IO.OnnxTensorSource({initializer}, {source?.Elements ?? 0}L, {source?.Start ?? 0}, {(source?.Transpose == true ? "true" : "false")}{order}), // {Identifiers.Doc(full)}");
            }
        w.Close(";");
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Loads the weights of the ONNX model this network was imported from (the resource <c>{Identifiers.Doc(onnx.Resource)}</c>), in place, as the");
        w.Line("/// constructors do: all or nothing (every initializer is checked first; on an error the weights are as they were).");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.IO.FileNotFoundException\">The assembly has no such resource.</exception>");
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The embedded model is not the one the network was generated from.</exception>");
        w.Open("public void LoadOnnxWeights()");
        w.Line("EnterExclusive(nameof(LoadOnnxWeights));");
        w.Line($"try {{ global::StaticNet.IO.OnnxWeights.Load(typeof({network.Spec.ClassIdentifier}).Assembly, s_onnxResource, s_parameterTensors, s_onnxSources, _parameters.Span); }}");
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
    }
}
