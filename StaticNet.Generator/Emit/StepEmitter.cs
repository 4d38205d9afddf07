using System.Collections.Generic;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Streaming inference for sequence networks: <c>Step</c> runs one time step of one sample through every layer, the
/// recurrent layers keeping their state (h, and c for LSTM) in the instance between calls, and <c>ResetState</c>
/// starts a new sequence. Offered when every layer can run one step at a time (<see cref="ShapedNetwork.WhyNoStep"/>);
/// each layer writes its own part (<see cref="LayerDefinition.WriteStep"/>).
/// </summary>
internal static class StepEmitter
{
    private const string Kernels = "global::StaticNet.Kernels.";

    public static bool Supports(ShapedNetwork network) => network.SupportsStep;

    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        bool tokens = network.TakesTokens;
        int stepInputs = network.StepInputSize, stepOutputs = network.StepOutputSize;

        // One buffer: each recurrent layer's state, and each other layer's one-step output.
        var offsets = new Dictionary<ShapedLayer, int>();
        int length = 0;
        w.Line("// Streaming state (Step): each recurrent layer's h (and c) and scratch, each other layer's output for one step.");
        foreach (ShapedLayer layer in network.Layers)
        {
            if (layer.Definition.IsIdentityAtInference) continue;
            offsets[layer] = length;
            w.Line($"private const int {layer.Identifier}Step = {length}; // {layer.Definition.StepStateText(layer)}");
            length += layer.Definition.StepStateLength(layer);
        }
        w.Line($"private const int StepStateLength = {length};");
        w.Line();
        w.Line("/// <summary>The number of " + (tokens ? "token ids (one)" : "floats") + " one time step takes.</summary>");
        w.Line($"public const int StepInputSize = {stepInputs};");
        w.Line();
        w.Line("/// <summary>The number of floats one time step gives.</summary>");
        w.Line($"public const int StepOutputSize = {stepOutputs};");
        w.Line();
        w.Line("private readonly global::StaticNet.Kernels.AlignedBuffer _stepState = new(StepStateLength);");
        w.Line();
        w.Line("/// <summary>Starts a new sequence for <c>Step</c>: every recurrent state back to zero, as at construction.</summary>");
        w.Line("public void ResetState() => _stepState.Span.Clear();");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Runs one time step of one sample, carrying the recurrent state from the previous call: a sequence fed step by step");
        w.Line("/// gives what <c>Forward</c> gives for its steps. Allocates nothing. Not thread-safe: the state lives in the instance.");
        w.Line("/// </summary>");
        if (tokens)
        {
            w.Line("/// <param name=\"token\">The step's token id.</param>");
            w.Line($"/// <param name=\"output\">Exactly {ShapeInference.Floats(stepOutputs)}, overwritten with the step's output.</param>");
            w.Hot();
            w.Open("public void Step(int token, global::System.Span<float> output)");
        }
        else
        {
            w.Line($"/// <param name=\"input\">Exactly {ShapeInference.Floats(stepInputs)}, the step's features.</param>");
            w.Line($"/// <param name=\"output\">Exactly {ShapeInference.Floats(stepOutputs)}, overwritten with the step's output.</param>");
            w.Hot();
            w.Open("public void Step(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
            w.Line($"global::StaticNet.Kernels.Guard.SampleLength(input.Length, StepInputSize, nameof(input), \"{name}\");");
        }
        w.Line($"global::StaticNet.Kernels.Guard.SampleLength(output.Length, StepOutputSize, nameof(output), \"{name}\");");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Line("global::System.Span<float> state = _stepState.Span;");
        var steps = new StepWriter(network, "input", stepInputs);
        for (steps.Index = 0; steps.Index < network.Layers.Count; steps.Index++)
        {
            ShapedLayer layer = network.Layers[steps.Index];
            layer.Definition.WriteStep(w, steps, layer);
        }
        if (steps.Current != "output")
            w.Line($"{steps.Current}.Slice(0, StepOutputSize).CopyTo(output);");
        w.Close();
        w.Line();
        WriteBlock(w, network);
    }

    /// <summary><c>StepBlock</c>: <c>Step</c> over a block of consecutive time steps, in one kernel call where the network allows.</summary>
    private static void WriteBlock(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        bool tokens = network.TakesTokens;
        w.Line("/// <summary>");
        w.Line("/// Runs <c>Step</c> over a block of consecutive time steps of one sample (an audio callback's buffer, the frames since");
        w.Line("/// the last call): step t reads its input at <c>t · StepInputSize</c> and writes its output at <c>t · StepOutputSize</c>.");
        w.Line("/// The same outputs and state as that many calls of <c>Step</c>, with the arguments checked once" + (RecurrentLayer.BlockInOneCall(network) is null ? "." : ","));
        if (RecurrentLayer.BlockInOneCall(network) is not null)
            w.Line("/// and the whole block in one call of the kernel, so that nothing but the steps' own work runs between two steps.");
        w.Line("/// Allocates nothing. Not thread-safe: the state lives in the instance.");
        w.Line("/// </summary>");
        if (tokens)
        {
            w.Line("/// <param name=\"tokens\">The steps' token ids, one per step.</param>");
            w.Line("/// <param name=\"output\">StepOutputSize floats per step, overwritten with the steps' outputs.</param>");
            w.Hot();
            w.Open("public void StepBlock(global::System.ReadOnlySpan<int> tokens, global::System.Span<float> output)");
            w.Line($"int steps = global::StaticNet.Kernels.Guard.BlockSteps(tokens.Length, StepInputSize, output.Length, StepOutputSize, \"{name}\");");
            w.Line("for (int t = 0; t < steps; t++)");
            w.Line("    Step(tokens[t], output.Slice(t * StepOutputSize, StepOutputSize));");
            w.Close();
            w.Line();
            return;
        }
        w.Line("/// <param name=\"input\">StepInputSize floats per step, the steps' features one step after another.</param>");
        w.Line("/// <param name=\"output\">StepOutputSize floats per step, overwritten with the steps' outputs.</param>");
        w.Hot();
        w.Open("public void StepBlock(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
        w.Line($"int steps = global::StaticNet.Kernels.Guard.BlockSteps(input.Length, StepInputSize, output.Length, StepOutputSize, \"{name}\");");
        if (RecurrentLayer.BlockInOneCall(network) is var (recurrent, readout))
        {
            w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
            w.Line("global::System.Span<float> state = _stepState.Span;");
            RecurrentLayer.WriteBlockCall(w, recurrent, readout);
        }
        else
        {
            w.Line("for (int t = 0; t < steps; t++)");
            w.Line("    Step(input.Slice(t * StepInputSize, StepInputSize), output.Slice(t * StepOutputSize, StepOutputSize));");
        }
        w.Close();
        w.Line();
    }
}

/// <summary>
/// Where <c>Step</c>'s code is while the layers write it: the span that holds the current step's values (and its length),
/// and the layer being written, which a layer that fuses the ones after it (a recurrent layer and its readout) advances.
/// </summary>
internal sealed class StepWriter
{
    public StepWriter(ShapedNetwork network, string current, int currentStride)
    {
        Network = network;
        Current = current;
        CurrentStride = currentStride;
    }

    public ShapedNetwork Network { get; }

    public System.Collections.Generic.IReadOnlyList<ShapedLayer> Layers => Network.Layers;

    /// <summary>The expression of the current step's values: <c>input</c>, a layer's step state, or <c>output</c>.</summary>
    public string Current { get; private set; }

    /// <summary>The floats of <see cref="Current"/> the next layer may read.</summary>
    public int CurrentStride { get; private set; }

    /// <summary>The index of the layer being written; a layer that writes the layers after it moves it to the last of them.</summary>
    public int Index { get; set; }

    /// <summary>The layer wrote its step's values to <paramref name="current"/>, <paramref name="stride"/> floats.</summary>
    public void Advance(string current, int stride)
    {
        Current = current;
        CurrentStride = stride;
    }
}
