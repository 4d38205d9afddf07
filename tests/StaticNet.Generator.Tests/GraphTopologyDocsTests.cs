using System.Linq;

namespace StaticNet.Generator.Tests;

/// <summary>The class's XML documentation and the file header show the graph: what each layer reads.</summary>
public class GraphTopologyDocsTests
{
    [Fact]
    public void EachLayerShowsWhatItReads()
    {
        // A gate (Multiply), a layer that reads the input again (From), and a sum of three operands.
        var (files, diagnostics) = GeneratorHarness.Run("""
            using StaticNet;
            [Network(Loss = Loss.MeanSquaredError)]
            [Input(8)]
            [Dense(8, Activation.Tanh, Name = "value")]
            [Dense(8, Activation.Sigmoid, From = "input", Name = "gate")]
            [Multiply("value", Name = "gated")]
            [Dense(8, From = "input", Name = "skip")]
            [Add("gated", "value", Name = "sum")]
            [Dense(1, Name = "out")]
            public partial class Gated { }
            """);
        Assert.Empty(diagnostics);
        string text = Assert.Single(files).SourceText.ToString();
        string[] expected =
        {
            "/// <item><term>value: Dense, Tanh</term><description>[8] · 72 · reads input</description></item>",
            "/// <item><term>gate: Dense, Sigmoid</term><description>[8] · 72 · reads input</description></item>",
            "/// <item><term>gated: Multiply</term><description>[8] · 0 · reads gate, value</description></item>",
            "/// <item><term>skip: Dense</term><description>[8] · 72 · reads input</description></item>",
            "/// <item><term>sum: Add</term><description>[8] · 0 · reads skip, gated, value</description></item>",
            "/// <item><term>out: Dense</term><description>[1] · 9 · reads sum</description></item>",
        };
        foreach (string line in expected) Assert.Contains(line, text);
        string header = string.Join("\n", text.Split('\n').TakeWhile(l => l.StartsWith("//")));
        Assert.Contains("Reads", header);
        Assert.Contains("skip, gated, value", header);
    }
}
