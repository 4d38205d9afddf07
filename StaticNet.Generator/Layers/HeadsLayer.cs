using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>One <c>[Output("layer", Loss = ..., Weight = ...)]</c> as written.</summary>
/// <param name="Layer">The name of the layer whose output the head is.</param>
/// <param name="Loss">The head's own loss, or None for the network's.</param>
/// <param name="Weight">Its weight in the network's loss.</param>
/// <param name="AttributeIndex">Its attribute's position, for diagnostics.</param>
internal sealed record HeadSpec(string Layer, LossKind Loss, float Weight, int AttributeIndex);

/// <summary>The heads of a network, in declaration order.</summary>
internal sealed record HeadsOptions(EquatableArray<HeadSpec> Heads) : LayerOptions;

/// <summary>
/// Several outputs (heads): <c>[Output("policy", Loss = Loss.SoftmaxCrossEntropy)] [Output("value", Loss =
/// Loss.MeanSquaredError, Weight = 0.5f)]</c>. The parser gathers the <c>[Output]</c>s into one layer of this kind after the
/// last declared layer (named <see cref="LayerName"/>, no module), which reads the heads and packs their outputs one after
/// the other, as the several inputs are packed (<see cref="InputSliceLayer"/>): the network's output is that packed
/// sample, so batching, threads, training and <c>Backward</c> run as for one output, and the loss is Σ weight·loss over
/// the heads' columns (<see cref="Emit.HeadsEmitter"/>), whose gradients reach each head and add up in a shared trunk.
/// </summary>
internal sealed class HeadsLayer : LayerDefinition
{
    public const string AttributeName = "StaticNet.OutputAttribute";

    /// <summary>The name of the layer that packs the heads (not a module, and not a name another layer reads).</summary>
    public const string LayerName = "heads";

    public static readonly HeadsLayer Instance = new();

    private HeadsLayer() : base(LayerKind.Heads, AttributeName)
    {
    }

    /// <summary>One <c>[Output]</c>: a spec with a single head, which the parser gathers with the others (<see cref="Gather"/>).</summary>
    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name)
    {
        string layer = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
        var loss = (LossKind)(attribute.NamedArguments.FirstOrDefault(a => a.Key == "Loss").Value.Value as int? ?? 0);
        float weight = AttributeArguments.NamedFloat(attribute, "Weight", 1f);
        var head = new HeadSpec(layer, loss, weight, attributeIndex);
        return new LayerSpec(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, LayerName,
            new HeadsOptions(new EquatableArray<HeadSpec>(new[] { head })));
    }

    /// <summary>
    /// Gathers the <c>[Output]</c>s into one heads layer after every other layer, reading the first head (<c>From</c>) and
    /// the others (merge operands). Without any, the layers are unchanged: the last layer is the output.
    /// </summary>
    public static List<LayerSpec> Gather(List<LayerSpec> layers)
    {
        List<LayerSpec> outputs = layers.FindAll(l => l.Kind == LayerKind.Heads);
        if (outputs.Count == 0) return layers;
        HeadSpec[] heads = outputs.SelectMany(o => Heads(o)).ToArray();
        List<LayerSpec> result = layers.FindAll(l => l.Kind != LayerKind.Heads);
        result.Add(new LayerSpec(LayerKind.Heads, outputs[0].AttributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, LayerName,
            new HeadsOptions(new EquatableArray<HeadSpec>(heads)), From: heads[0].Layer,
            Others: new EquatableArray<string>(heads.Skip(1).Select(h => h.Layer).ToArray())));
        return result;
    }

    /// <summary>The heads of a heads layer's spec.</summary>
    public static IReadOnlyList<HeadSpec> Heads(LayerSpec layer) => ((HeadsOptions)layer.Options!).Heads;

    /// <summary>The network's heads layer (its last), or null for a network with one output.</summary>
    public static ShapedLayer? Of(ShapedNetwork network) =>
        network.Layers.Count > 0 && network.Layers[network.Layers.Count - 1].Kind == LayerKind.Heads ? network.Layers[network.Layers.Count - 1] : null;

    /// <summary>A head's loss: its own, or the network's declared one (the parser resolved it, <see cref="ResolveLosses"/>).</summary>
    public static LossKind LossOf(HeadSpec head, NetworkSpec network) => head.Loss;

    /// <summary>
    /// Gives each head without a loss of its own <c>[Network]</c>'s (<paramref name="declared"/>), and returns the network's
    /// loss: the declared one, else the first head's (None: every head is without one, an inference-only network).
    /// </summary>
    public static LossKind ResolveLosses(LossKind declared, List<LayerSpec> layers)
    {
        LossKind result = declared;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.Heads) continue;
            HeadSpec[] heads = Heads(layers[i]).Select(h => h.Loss == LossKind.None ? h with { Loss = declared } : h).ToArray();
            layers[i] = layers[i] with { Options = new HeadsOptions(new EquatableArray<HeadSpec>(heads)) };
            if (result == LossKind.None) result = heads.Select(h => h.Loss).FirstOrDefault(l => l != LossKind.None);
        }
        return result;
    }

    public override void CheckValues(LayerSpec layer, List<ShapeError> errors)
    {
        foreach (HeadSpec head in Heads(layer))
            if (head.Loss < LossKind.None || head.Loss > LossKind.L1)
                errors.Add(new ShapeError(DiagnosticIds.UndefinedValue, head.AttributeIndex,
                    $"Output '{head.Layer}' has Loss value {(int)head.Loss}, which is not a defined StaticNet.Loss; expected one of None, MeanSquaredError, BinaryCrossEntropy, SoftmaxCrossEntropy, Huber, L1"));
    }

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        IReadOnlyList<HeadSpec> heads = Heads(c.Layer);
        IReadOnlyList<(string Name, ActivationShape Shape)> operands = c.Operands;
        NetworkSpec network = c.Network;
        bool trains = heads.Any(h => LossOf(h, network) != LossKind.None);
        bool ok = true;
        var seen = new HashSet<string>();
        int channels = 0;
        for (int k = 0; k < heads.Count; k++)
        {
            HeadSpec head = heads[k];
            (string name, ActivationShape shape) = operands[k];
            LossKind loss = LossOf(head, network);
            string self = $"Output '{head.Layer}'";
            if (!seen.Add(name))
                ok = Report(c, head, $"{self} names a layer that is already a head; expected each head once");
            else if (shape.Kind != ShapeKind.Vector)
                ok = Report(c, head, $"{self} is {shape.Text} ({ShapeInference.Describe(shape)}); a head is a vector. End the head with [Flatten] and a [Dense] layer, or [GlobalAvgPool]");
            else if (trains && loss == LossKind.None)
                ok = Report(c, head, $"{self} has no loss, and neither has [Network]; expected Loss = Loss.… on the [Output] (or on [Network], for every head without one), since the other heads train");
            else if (!(head.Weight >= 0f) || float.IsInfinity(head.Weight))
                ok = Report(c, head, $"{self} has Weight {Text(head.Weight)}; expected a finite weight that is not negative (its loss is multiplied by it)");
            else if (loss == LossKind.SoftmaxCrossEntropy && shape.Channels < 2)
            {
                c.Errors.Add(new ShapeError(DiagnosticIds.SoftmaxNeedsClasses, head.AttributeIndex,
                    $"{self} has Loss SoftmaxCrossEntropy, which needs at least 2 outputs, one per class; '{name}' has {shape.Channels}. For a yes/no output use Loss.BinaryCrossEntropy"));
                ok = false;
            }
            else if (loss == LossKind.Huber && !(network.HuberBeta > 0f && !float.IsInfinity(network.HuberBeta)))
                ok = false; // reported on [Network] (SNET019)
            channels += shape.Channels;
        }
        if (!ok) return null;
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, channels);
        c.OutputRegions(output, ActivationKind.None);
        return (output, null);
    }

    private static bool Report(LayerContext c, HeadSpec head, string message)
    {
        c.Errors.Add(new ShapeError(DiagnosticIds.HeadWithoutLoss, head.AttributeIndex, message));
        return false;
    }

    /// <summary>Where each head's columns start in the packed output, and its size, in declaration order.</summary>
    public static (int Offset, int Size)[] Columns(ShapedNetwork network, ShapedLayer heads)
    {
        var columns = new (int, int)[heads.OperandCount];
        int offset = 0;
        for (int k = 0; k < columns.Length; k++)
        {
            int size = network.OperandShape(heads, k).Channels;
            columns[k] = (offset, size);
            offset += size;
        }
        return columns;
    }

    public override bool NeedsChannelsLastInput => true;

    public override int ModuleCount(LayerSpec layer) => 0; // not a module: the default numbering of the layers is unchanged

    public override string KindText(ShapedLayer layer) => "Heads";

    public override LayerRow Row(ShapedLayer layer) => new("heads", 0);

    public override string DocumentationText(ShapedLayer layer) =>
        "the heads, " + string.Join(", ", Heads(layer.Spec).Select(h => $"'{h.Layer}' ({(h.Loss == LossKind.None ? "no loss" : h.Loss.ToString())}, weight {Text(h.Weight)})"));

    public override string? WhyNoStep(ShapedLayer layer) => "a network with several outputs cannot run one time step at a time";

    public override string WhyNoOnnx(ShapedLayer layer) => "a network with several outputs has no ONNX export yet";

    // The packing is a concatenation of the heads' channels: the same code as [Concatenate].
    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => MergeLayer.Concatenate.ForwardCall(wiring, layer, training);

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) => MergeLayer.Concatenate.BackwardCall(wiring, layer);

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer) => MergeLayer.Concatenate.WriteMethods(w, wiring, layer);
}
