using Microsoft.CodeAnalysis;

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
        Verify("net.TrainStep(new float[784 * 4], new int[4], {|SNET022:new float[3]|}, adam);");
        Verify("net.ComputeGradients(new float[784 * 2], new int[2], new float[2]);");
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

    private const string SequenceNetworks = """
        using System;
        using StaticNet;

        [Input(64, 2)] [LSTM(8, ReturnSequences = true)] [Dense(3)]
        partial class Streamer { }

        [Input(16)] [Embedding(10, 4)] [GRU(6, ReturnSequences = true)] [Dense(3)]
        partial class Tokens { }

        """;

    private static void VerifySequences(string body) =>
        AnalyzerHarness.Verify(SequenceNetworks + "static class Use { static void Run(Streamer streamer, Tokens tokens) {\n" + body + "\n} }");

    [Fact]
    public void SNET020_StepBuffersOfTheWrongLength()
    {
        VerifySequences("streamer.Step({|SNET020:new float[3]|}, new float[3]);");
        VerifySequences("streamer.Step(new float[Streamer.StepInputSize], {|SNET020:stackalloc float[2]|});");
        VerifySequences("tokens.Step(7, {|SNET020:new float[Tokens.StepOutputSize + 1]|});");
        VerifySequences("streamer.Step(new float[2], stackalloc float[3]); tokens.Step(7, new float[3]);");
    }

    [Fact]
    public void SNET021_SNET022_StepBlockBuffers()
    {
        VerifySequences("streamer.StepBlock({|SNET021:new float[2 * 64 + 1]|}, new float[3 * 64]);");
        VerifySequences("streamer.StepBlock(new float[2 * 64], {|SNET021:new float[3 * 64 - 1]|});");
        VerifySequences("streamer.StepBlock(new float[2 * 64], {|SNET022:new float[3 * 32]|});");
        VerifySequences("tokens.StepBlock(new int[5], {|SNET022:new float[3 * 4]|});");
        VerifySequences("streamer.StepBlock(new float[2 * 100], new float[3 * 100]); tokens.StepBlock(new int[5], stackalloc float[15]);");
    }

    [Fact]
    public void StepMessagesNameTheStepSizes()
    {
        string Message(string call) => Assert.Single(AnalyzerHarness.Analyze(SequenceNetworks +
            "static class Use { static void Run(Streamer streamer, Tokens tokens) { " + call + " } }")).GetMessage();
        Assert.Equal("'input' of Streamer.Step must hold one time step's input of 2 floats (Streamer.StepInputSize); this buffer holds 1",
            Message("streamer.Step(new float[1], new float[3]);"));
        Assert.Equal("'output' holds 32 steps of 3 floats (Streamer.StepOutputSize) but 'input' holds 64 steps (128 floats); expected 192 floats",
            Message("streamer.StepBlock(new float[128], new float[96]);"));
        Assert.Equal("'output' holds 4 steps of 3 floats (Tokens.StepOutputSize) but 'tokens' holds 5 token ids; expected 15 floats",
            Message("tokens.StepBlock(new int[5], new float[12]);"));
    }

    [Fact]
    public void MessagesSayWhatWasExpectedAndFound()
    {
        var diagnostic = Assert.Single(AnalyzerHarness.Analyze(Networks + "static class Use { static void Run(Net net) { net.Forward(new float[783], new float[10]); } }"));
        Assert.Equal("'input' of Net.Forward must hold one input of 784 floats (Net.InputSize); this buffer holds 783", diagnostic.GetMessage());
    }

    private const string StreamingAndTargets = """
        using System;
        using System.Collections.Generic;
        using StaticNet;
        using StaticNet.Optimizers;

        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(10)]
        partial class Net { }

        [Network(Loss = Loss.MeanSquaredError)] [Input(4)] [Dense(2)]
        partial class Regressor { }

        [Input(64, 2)] [LSTM(8, Name = "lstm")] [Dense(3)]
        partial class LastStep { }

        [Input(64, 2)] [LSTM(8, ReturnSequences = true)] [Flatten] [Dense(3)]
        partial class Flattened { }

        [Input(1, 8, 8)] [Conv2D(4, 3)] [Flatten] [Dense(3)]
        partial class Cnn { }

        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(16)] [Embedding(10, 4)] [GRU(6, ReturnSequences = true)] [Dense(3)]
        partial class Tagger { }

        [Network(Loss = Loss.MeanSquaredError)] [Input(16, 1)] [GRU(8, Bidirectional = true, ReturnSequences = true)] [Dense(1)]
        partial class BiTagger { }

        [Network(Loss = Loss.MeanSquaredError)] [Input(16, 1)] [LSTM(8, NumLayers = 3, ReturnSequences = true)] [Dense(1)]
        partial class DeepStream { }

        [Input(16, 8)] [MultiHeadAttention(8, 2, Name = "attn")] [Dense(3)]
        partial class Bidirectional { }

        [Input(16, 8)] [MultiHeadAttention(8, 2, Causal = true)] [LayerNorm] [Dense(3)]
        partial class CausalLm { }

        [Input(16, 8)] [TransformerEncoderLayer(8, 2, 16, Name = "enc")] [Dense(3)]
        partial class EncoderNet { }

        [Input(16, 8)] [SinusoidalPositions] [TransformerEncoderLayer(8, 2, 16, Causal = true)] [Dense(3)]
        partial class PositionedLm { }

        """;

    private static string Use(string body) =>
        StreamingAndTargets + "static class Use { static void Run(Net net, Regressor regressor, LastStep lastStep, Flattened flattened, Cnn cnn, " +
        "Tagger tagger, BiTagger biTagger, DeepStream deepStream, Bidirectional bidirectional, CausalLm causal, EncoderNet encoder, PositionedLm positioned, Optimizer adam) {\n" + body + "\n} }";

    private static void VerifyUse(string body) => AnalyzerHarness.Verify(Use(body));

    private static string MessageOf(string body) => Assert.Single(AnalyzerHarness.Analyze(Use(body))).GetMessage();

    [Fact]
    public void SNET025_StreamingMembersOfANetworkWithoutStep()
    {
        VerifyUse("net.{|SNET025:Step|}(new float[784], new float[10]);");
        VerifyUse("lastStep.{|SNET025:StepBlock|}(new float[2], new float[3]); lastStep.{|SNET025:ResetState|}();");
        VerifyUse("var size = LastStep.{|SNET025:StepInputSize|};");
        VerifyUse("tagger.Step(3, new float[3]); tagger.ResetState();");
        Assert.Equal("Network 'LastStep' has no streaming 'Step': LSTM 'lstm' does not return sequences (its output is the last step's, [8]); " +
            "declare it with ReturnSequences = true, and every layer after it per time step, to stream",
            MessageOf("lastStep.Step(new float[2], new float[3]);"));
        Assert.Contains("Flatten '1' cannot run one time step at a time", MessageOf("flattened.Step(new float[2], new float[3]);"));
        Assert.Contains("has no recurrent layer", MessageOf("cnn.Step(new float[64], new float[3]);"));
        // Attention streams with a key/value cache only when causal.
        VerifyUse("bidirectional.{|SNET025:Step|}(new float[8], new float[3]); causal.Step(new float[8], new float[3]); causal.ResetState();");
        Assert.Contains("MultiHeadAttention 'attn' is not causal", MessageOf("bidirectional.Step(new float[8], new float[3]);"));
        // The same for an encoder layer; positions stream (the step's position in the window).
        VerifyUse("encoder.{|SNET025:Step|}(new float[8], new float[3]); positioned.Step(new float[8], new float[3]); positioned.ResetState();");
        Assert.Contains("TransformerEncoderLayer 'enc' is not causal", MessageOf("encoder.Step(new float[8], new float[3]);"));
        Assert.Contains("has no recurrent layer", MessageOf("net.Step(new float[784], new float[10]);"));
        // A bidirectional layer: its reverse direction needs the steps after the current one; a causal stack streams.
        VerifyUse("biTagger.{|SNET025:Step|}(new float[1], new float[1]); deepStream.Step(new float[1], new float[1]);");
        Assert.Equal("Network 'BiTagger' has no streaming 'Step': GRU '0' is bidirectional: its reverse direction runs from the last step back " +
            "to the first, so its output at a step depends on the steps after it, which a stream has not seen yet; declare it without " +
            "Bidirectional (a causal model) to stream, or call Forward on whole sequences",
            MessageOf("biTagger.Step(new float[1], new float[1]);"));
    }

    [Fact]
    public void SNET026_TargetsOrLabelsOfTheWrongType()
    {
        VerifyUse("net.TrainStep(new float[784], {|SNET026:new long[1]|}, adam);");
        VerifyUse("net.ComputeLoss(new float[784], labels: {|SNET026:new List<long>()|});");
        VerifyUse("regressor.TrainStep(new float[4], {|SNET026:new int[1]|}, adam);");
        VerifyUse("regressor.ComputeGradients(new float[4], {|SNET026:new double[2]|});");
        VerifyUse("net.TrainStep(new float[784], new int[1], adam); regressor.TrainStep(new float[4], new float[2], adam);");
        Assert.Equal("Net.TrainStep takes class ids as int (one class id per sample); this buffer holds long: convert the ids to int " +
            "(such as Array.ConvertAll(ids, id => (int)id)), or keep them as int[] from the start",
            MessageOf("net.TrainStep(new float[784], new long[1], adam);"));
        Assert.Contains("one class id per time step, 16 per sample", MessageOf("tagger.TrainStep(new int[16], new long[16], adam);"));
        Assert.StartsWith("Regressor is trained with MeanSquaredError, whose targets are floats (2 per sample, Regressor.OutputSize), not class ids",
            MessageOf("regressor.TrainStep(new float[4], new int[1], adam);"));
    }

    [Fact]
    public void ANetworkWithoutStreamingHasNoMemberNamedStep()
    {
        // Once a private Step(loss, optimizer) helper made a user's Step call CS0122 ("inaccessible"), which SNET025
        // cannot explain; no generated member of a network without streaming may be named Step, StepBlock or ResetState.
        var compilation = GeneratorHarness.Compile(StreamingAndTargets);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _);
        foreach (string network in new[] { "Net", "Regressor", "LastStep", "Flattened", "Cnn" })
        {
            INamedTypeSymbol type = generated.GetTypeByMetadataName(network)!;
            Assert.NotEmpty(type.GetMembers("Forward"));
            foreach (string member in new[] { "Step", "StepBlock", "ResetState", "StepInputSize", "StepOutputSize", "StepStateLength" })
                Assert.Empty(type.GetMembers(member));
        }
        Assert.NotEmpty(generated.GetTypeByMetadataName("Tagger")!.GetMembers("Step"));
        Assert.NotEmpty(generated.GetTypeByMetadataName("DeepStream")!.GetMembers("Step"));
        Assert.Empty(generated.GetTypeByMetadataName("BiTagger")!.GetMembers("Step"));
    }

    [Fact]
    public void SNET025_SNET026_AreReportedWhereTheCompilerReportsItsError()
    {
        // The call cannot bind (no such member; no overload takes the argument), so the compiler's CS1061 or CS1503
        // stays; the SNET error says why, on the same span.
        foreach (string body in new[] { "lastStep.Step(new float[2], new float[3]);", "net.TrainStep(new float[784], new long[1], adam);",
                     "regressor.TrainStep(new float[4], new int[1], adam);" })
        {
            string source = Use(body);
            Diagnostic snet = Assert.Single(AnalyzerHarness.Analyze(source));
            Diagnostic compiler = Assert.Single(GeneratorHarness.Run(source).Diagnostics, d => d.Id.StartsWith("CS"));
            Assert.Contains(compiler.Id, new[] { "CS1061", "CS1503" });
            Assert.Equal(compiler.Location.SourceSpan, snet.Location.SourceSpan);
        }
    }

    [Fact]
    public void SNET021_SNET022_PerStepLabelsAndTokenInputs()
    {
        VerifyUse("tagger.TrainStep(new int[32], {|SNET022:new int[16]|}, adam);");
        VerifyUse("tagger.TrainStep(new int[32], {|SNET021:new int[31]|}, adam);");
        VerifyUse("tagger.TrainStep({|SNET021:new int[17]|}, new int[16], adam);");
        VerifyUse("tagger.TrainStep(new int[32], new int[32], adam); tagger.ComputeLoss(new int[16], new int[16]);");
        Assert.Equal("'labels' holds 1 row of 16 class ids (one per time step) but 'inputs' holds 2 samples (32 token ids); expected 32 class ids",
            MessageOf("tagger.TrainStep(new int[32], new int[16], adam);"));
        Assert.Equal("'labels' holds 3 class ids but 'inputs' holds 4 samples (3136 floats); expected 4 class ids",
            MessageOf("net.TrainStep(new float[784 * 4], new int[3], adam);"));
        Assert.Equal("'inputs' of Tagger must hold whole samples of 16 token ids (Tagger.InputSize); this buffer holds 17 token ids (1 and 1 left over)",
            MessageOf("tagger.TrainStep(new int[17], new int[16], adam);"));
    }
}
