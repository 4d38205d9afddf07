using System.Collections.Generic;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>
/// The registry of layer kinds: the one list of homes. The parser finds a home by its attribute's name; everything else
/// by <see cref="LayerSpec.Definition"/> (or <see cref="Shapes.ShapedLayer.Definition"/>). Adding a kind adds one line here.
/// </summary>
internal static class LayerDefinitions
{
    /// <summary>Every home, in no particular order.</summary>
    public static readonly IReadOnlyList<LayerDefinition> All = new LayerDefinition[]
    {
        DenseLayer.Instance,
        ConvolutionLayer.Conv2D,
        ConvolutionLayer.Conv1D,
        PoolingLayer.MaxPool2D,
        PoolingLayer.AvgPool2D,
        PoolingLayer.MaxPool1D,
        PoolingLayer.AvgPool1D,
        GlobalAvgPoolLayer.Instance,
        FlattenLayer.Instance,
        BatchNormLayer.Instance,
        DropoutLayer.Instance,
        EmbeddingLayer.Instance,
        RecurrentLayer.SimpleRNN,
        RecurrentLayer.LSTM,
        RecurrentLayer.GRU,
        ActivationLayer.Instance,
        LayerNormLayer.Instance,
        PositionalLayer.Learned,
        PositionalLayer.Sinusoidal,
        SequencePoolLayer.Instance,
        AttentionLayer.Instance,
        TransformerLayer.Instance,
        ReparameterizeLayer.Instance,
        MergeLayer.Add,
        MergeLayer.Multiply,
        MergeLayer.Concatenate,
        InputSliceLayer.Instance,
        HeadsLayer.Instance,
    };

    private static readonly Dictionary<string, LayerDefinition> s_byAttribute = ByAttribute();
    private static readonly Dictionary<LayerKind, LayerDefinition> s_byKind = ByKind();

    /// <summary>The home of the layer attribute with this full metadata name (<c>StaticNet.DenseAttribute</c>), or null.</summary>
    public static LayerDefinition? ForAttribute(string fullName) => s_byAttribute.TryGetValue(fullName, out LayerDefinition? definition) ? definition : null;

    /// <summary>The home of a kind.</summary>
    public static LayerDefinition Of(LayerKind kind) =>
        s_byKind.TryGetValue(kind, out LayerDefinition? definition) ? definition : throw new System.ArgumentOutOfRangeException(nameof(kind), kind, "not a layer kind");

    private static Dictionary<string, LayerDefinition> ByAttribute()
    {
        var map = new Dictionary<string, LayerDefinition>();
        foreach (LayerDefinition definition in All)
            foreach (string name in definition.AttributeNames)
                map.Add(name, definition);
        return map;
    }

    private static Dictionary<LayerKind, LayerDefinition> ByKind()
    {
        var map = new Dictionary<LayerKind, LayerDefinition>();
        foreach (LayerDefinition definition in All)
            map.Add(definition.Kind, definition);
        return map;
    }
}
