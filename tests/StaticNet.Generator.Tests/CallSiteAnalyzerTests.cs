namespace StaticNet.Generator.Tests;

/// <summary>Call-site rules: buffers of a length the compiler knows, and training a network that has no loss.</summary>
public class CallSiteAnalyzerTests
{
    private const string Networks = """
        using System;
        using StaticNet;
        using StaticNet.Optimizers;

        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(10)]
        partial class Net { }

        [Input(4)] [Dense(2)]
        partial class Policy { }

        """;

    private static void Verify(string body) => AnalyzerHarness.Verify(Networks + "static class Use { static void Run(Net net, Policy policy, Optimizer adam) {\n" + body + "\n} }");

    [Fact]
    public void SNET020_ForwardBuffersOfTheWrongLength()
    {
        Verify("net.Forward({|SNET020:new float[783]|}, new float[10]);");
        Verify("net.Forward(new float[784], {|SNET020:new float[Net.OutputSize - 1]|});");
        Verify("Span<float> output = stackalloc float[9]; net.Forward(new float[Net.InputSize], {|SNET020:output|});");
        Verify("var input = new float[] { 1, 2, 3 }; net.Forward({|SNET020:input|}, stackalloc float[10]);");
        Verify("net.Forward(new float[784], stackalloc float[10]);");
        Verify("float[] input = new float[3]; input = new float[784]; net.Forward(input, new float[10]);"); // reassigned: unknown
    }

    [Fact]
    public void CollectionExpressionsHaveKnownLengths()
    {
        Verify("net.ForwardBatch({|SNET021:[1f, 2f, 3f]|}, new float[10]);");
        Verify("Span<float> input = [1f, 2f, 3f, 4f]; policy.Forward(input, new float[2]);");
        Verify("Span<float> input = [1f, 2f, 3f]; policy.Forward({|SNET020:input|}, new float[2]);");
        Verify("float[] more = new float[2]; Span<float> input = [1f, 2f, ..more]; policy.Forward(input, new float[2]);"); // spread: unknown
    }

    [Fact]
    public void InlineArrayBuffersAreCheckedByTheirType()
    {
        Verify("Net.InputBuffer input = default; Net.OutputBuffer output = default; net.Forward(input, output);");
        Verify("Policy.InputBuffer input = default; Net.OutputBuffer output = default; net.Forward({|SNET020:input|}, output);");
    }

    [Fact]
    public void SNET021_BatchesOfPartialSamples()
    {
        Verify("net.ForwardBatch({|SNET021:new float[784 * 2 + 1]|}, new float[20]);");
        Verify("net.TrainStep(new float[784 * 2], {|SNET021:new float[25]|}, adam);");
        Verify("net.ForwardBatch(new float[784 * 32], new float[10 * 32]);");
    }

    [Fact]
    public void SNET022_BatchCountsThatDisagree()
    {
        Verify("net.ForwardBatch(new float[784 * 2], {|SNET022:new float[30]|});");
        Verify("net.TrainStep(new float[784 * 4], {|SNET022:new int[3]|}, adam);");
        Verify("net.ComputeLoss(new float[784 * 4], {|SNET022:new float[10 * 5]|});");
        Verify("net.TrainStep(new float[784 * 4], new int[4], adam);");
    }

    [Fact]
    public void SNET023_TrainingANetworkWithoutLoss()
    {
        var diagnostics = AnalyzerHarness.Analyze(Networks + "static class Use { static void Run(Policy policy, Optimizer adam) { policy.TrainStep(new float[4], new float[2], adam); } }");
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SNET023", diagnostic.Id);
        Assert.Contains("has no loss", diagnostic.GetMessage());
        Verify("policy.Forward(new float[4], new float[2]);");
    }

    [Fact]
    public void MessagesSayWhatWasExpectedAndFound()
    {
        var diagnostic = Assert.Single(AnalyzerHarness.Analyze(Networks + "static class Use { static void Run(Net net) { net.Forward(new float[783], new float[10]); } }"));
        Assert.Equal("'input' of Net.Forward must hold one input of 784 floats (Net.InputSize); this buffer holds 783", diagnostic.GetMessage());
    }
}
