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

    /// <summary>The kinds docs/interop.md lists as not exported (a home without <c>WriteOnnx</c> makes <c>SaveOnnx</c> throw).</summary>
    private static readonly LayerKind[] s_notExported = { LayerKind.Heads };

    [Fact]
    public void EveryHomeExportsToOnnxAndPyTorchOrIsListedAsNotExported()
    {
        foreach (LayerDefinition home in LayerDefinitions.All)
        {
            Type type = home.GetType();
            bool onnx = type.GetMethod(nameof(LayerDefinition.WriteOnnx))!.DeclaringType != typeof(LayerDefinition);
            bool pytorch = type.GetMethod(nameof(LayerDefinition.PyTorchModules))!.DeclaringType != typeof(LayerDefinition);
            bool listed = s_notExported.Contains(home.Kind);
            Assert.True(onnx == !listed, $"{home.Kind}: {(onnx ? "exports to ONNX but is listed as not exported" : "has no WriteOnnx; add it in its home or list it in docs/interop.md and here")}");
            Assert.True(pytorch == !listed, $"{home.Kind}: {(pytorch ? "has PyTorch modules but is listed as not exported" : "has no PyTorchModules; add it in its home or list it")}");
        }
    }
}
