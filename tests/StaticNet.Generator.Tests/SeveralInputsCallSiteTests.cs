namespace StaticNet.Generator.Tests;

/// <summary>Call-site length checks on the overloads of a network with several named inputs (one span per input).</summary>
public class SeveralInputsCallSiteTests
{
    private const string Critic = """
        using System;
        using StaticNet;

        [Network(Loss = Loss.MeanSquaredError, GradientsFromCaller = true)]
        [Input(6, Name = "state")] [Input(2, Name = "action")]
        [Dense(8, Activation.Tanh, From = "state", Name = "trunk")]
        [Concatenate("action", Name = "cat")]
        [Dense(1, Name = "q")]
        partial class Critic { }

        """;

    private static void Verify(string body) =>
        AnalyzerHarness.Verify(Critic + "static class Use { static void Run(Critic critic) {\n" + body + "\n} }");

    [Fact]
    public void SNET020_ForwardChecksEachInputAndTheOutput()
    {
        Verify("critic.Forward({|SNET020:new float[5]|}, new float[2], new float[1]);");
        Verify("Span<float> action = stackalloc float[3]; critic.Forward(new float[6], {|SNET020:action|}, new float[1]);");
        Verify("critic.Forward(new float[Critic.StateInputSize], new float[Critic.ActionInputSize], {|SNET020:stackalloc float[2]|});");
        Verify("critic.Forward(stackalloc float[6], stackalloc float[2], stackalloc float[1]);");
        Verify("critic.Forward(new float[8], new float[1]);"); // the packed sample
        Verify("critic.Forward({|SNET020:new float[7]|}, new float[1]);");
    }

    [Fact]
    public void SNET021_SNET022_BatchesHoldWholeSamplesOfEachInputAsManyInEach()
    {
        Verify("critic.ForwardBatch({|SNET021:new float[6 * 4 + 1]|}, new float[2 * 4], new float[4]);");
        Verify("critic.ForwardBatch(new float[6 * 4], {|SNET022:new float[2 * 3]|}, new float[4]);");
        Verify("critic.ForwardBatch(new float[6 * 4], new float[2 * 4], {|SNET022:new float[5]|});");
        Verify("critic.ForwardTraining(new float[6 * 4], {|SNET021:new float[7]|}, new float[4]);");
        Verify("critic.ForwardBatch(new float[6 * 32], new float[2 * 32], new float[32]); critic.ForwardTraining(new float[12], new float[4], new float[2]);");
    }

    [Fact]
    public void BackwardChecksTheGradientsOfEachInputAgainstTheOutputGradients()
    {
        Verify("critic.Backward(new float[4], new float[6 * 4], {|SNET022:new float[2 * 5]|});");
        Verify("critic.Backward(new float[4], {|SNET021:new float[6 * 4 - 1]|}, new float[2 * 4]);");
        Verify("critic.Backward(new float[4], new float[24], new float[8]); critic.Backward(new float[4], default, default);");
    }

    [Fact]
    public void MessagesNameTheInputAndItsConstant()
    {
        string Message(string call) => Assert.Single(AnalyzerHarness.Analyze(Critic +
            "static class Use { static void Run(Critic critic) { " + call + " } }")).GetMessage();
        Assert.Equal("'action' of Critic.Forward must hold one 'action' input of 2 floats (Critic.ActionInputSize); this buffer holds 3",
            Message("critic.Forward(new float[6], new float[3], new float[1]);"));
        Assert.Equal("'action' holds 3 samples of 2 floats (Critic.ActionInputSize) but 'state' holds 4 samples (24 floats); expected 8 floats",
            Message("critic.ForwardBatch(new float[24], new float[6], new float[4]);"));
    }
}
