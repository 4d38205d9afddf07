using System;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Tests;

/// <summary>The registry of layer homes matches the layer kinds and the runtime's attributes, one to one.</summary>
public class LayerDefinitionsTests
{
    [Fact]
    public void EveryLayerKindHasExactlyOneHome()
    {
        foreach (LayerKind kind in Enum.GetValues(typeof(LayerKind)).Cast<LayerKind>().Where(k => k != LayerKind.Input))
        {
            Assert.Single(LayerDefinitions.All, d => d.Kind == kind);
            Assert.Equal(kind, LayerDefinitions.Of(kind).Kind);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerDefinitions.Of(LayerKind.Input));
    }

    [Fact]
    public void EveryLayerAttributeOfTheRuntimeHasAHomeAndEveryHomeAnAttribute()
    {
        string[] runtimeLayerAttributes = typeof(DenseAttribute).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "StaticNet" && !t.IsAbstract && typeof(Attribute).IsAssignableFrom(t))
            .Select(t => t.FullName!)
            .Where(name => name != Parser.InputAttributeName && name != Parser.NetworkAttributeName)
            .OrderBy(name => name, StringComparer.Ordinal).ToArray();
        string[] registered = LayerDefinitions.All.SelectMany(d => d.AttributeNames).OrderBy(name => name, StringComparer.Ordinal).ToArray();
        Assert.Equal(runtimeLayerAttributes, registered);
        Assert.All(registered, name => Assert.NotNull(LayerDefinitions.ForAttribute(name)));
    }
}
