using System.Collections.Generic;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// Streaming inference for sequence networks: <c>Step</c> runs one time step of one sample through every layer, the
/// recurrent layers keeping their state (h, and c for LSTM) in the instance between calls, and <c>ResetState</c>
/// starts a new sequence. Offered when every layer can run one step at a time: Embedding, recurrent layers that return
/// sequences, Dense applied per step, and Dropout (inactive at inference).
/// </summary>
internal static class StepEmitter
{
    private const string Kernels = "global::StaticNet.Kernels.";

    public static bool Supports(ShapedNetwork network) => network.SupportsStep;

    private static void WriteActivation(CodeWriter w, ShapedLayer layer, string y)
    {
        int units = layer.Output.Channels, width = layer.Output.PositionStride;
        if (DenseEmitter.KeepsPreActivation(layer))
            w.Line($"{Kernels}ActivationKernels.{DenseEmitter.PreActivationKernel(layer.Activation)}({y}, {y}, 1, columns: {units}, stride: {width});");
        else if (layer.Activation != ActivationKind.None)
            w.Line($"{Kernels}ActivationKernels.{layer.Activation}({y}, 1, columns: {units}, stride: {width});");
    }

    /// <summary>The floats a streaming state needs per recurrent layer (RecurrentCore.StepStateLength): h, c and scratch.</summary>
    private static int StateLength(ShapedLayer layer)
    {
        int hp = ShapeInference.RoundUp(layer.Spec.Units, ShapeInference.WidthAlignment);
        return 3 * hp + 2 * RecurrentEmitter.GateWidth(layer);
    }

    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        ShapedLayer first = network.Layers[0], last = network.OutputLayer;
        bool tokens = network.TakesTokens;
        int stepInputs = network.StepInputSize, stepOutputs = network.StepOutputSize;

        // One buffer: each recurrent layer's state, and each other layer's one-step output.
        var offsets = new Dictionary<ShapedLayer, int>();
        int length = 0;
        w.Line("// Streaming state (Step): each recurrent layer's h (and c) and scratch, each other layer's output for one step.");
        foreach (ShapedLayer layer in network.Layers)
        {
            if (layer.Kind == LayerKind.Dropout) continue;
            bool recurrent = layer.Kind is LayerKind.SimpleRNN or LayerKind.LSTM or LayerKind.GRU;
            int size = recurrent ? StateLength(layer) : layer.Output.PositionStride;
            offsets[layer] = length;
            w.Line($"private const int {layer.Identifier}Step = {length}; // {(recurrent ? "h in the first " + layer.Output.PositionStride + " floats" + (layer.Kind == LayerKind.LSTM ? ", then c" : "") + ", then scratch" : "one step's output, [" + layer.Output.PositionStride + "]")}");
            length += size;
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
        string current = "input";
        int currentStride = stepInputs;
        var layers = network.Layers;
        for (int index = 0; index < layers.Count; index++)
        {
            ShapedLayer layer = layers[index];
            string id = layer.Identifier;
            switch (layer.Kind)
            {
                case LayerKind.Dropout:
                    w.Line($"// {layer.Name}: Dropout is inactive at inference");
                    continue;
                case LayerKind.Embedding:
                {
                    int vocabulary = layer.Spec.Units, width = layer.Output.PositionStride;
                    string y = $"state.Slice({id}Step, {width})";
                    w.Line($"{Kernels}EmbeddingKernels.Forward(global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref token, 1), 1,");
                    w.Line($"    parameters.Slice({id}Weight, {vocabulary} * {width}), vocabulary: {vocabulary}, dimension: {layer.Output.Channels}, {y});");
                    current = y;
                    currentStride = width;
                    break;
                }
                case LayerKind.Activation:
                {
                    // A stand-alone activation is per step: copy the step's channels, then the kernel on one row.
                    int channels = layer.Output.Channels, width = layer.Output.PositionStride;
                    string y = $"state.Slice({id}Step, {width})";
                    w.Line($"{current}.Slice(0, {channels}).CopyTo({y}); // {layer.Name}: {ActivationEmitter.Module(layer)}");
                    w.Line(ActivationEmitter.ForwardKernel(layer, y, y, "1"));
                    current = y;
                    currentStride = width;
                    break;
                }
                case LayerKind.Dense:
                {
                    int inputs = layer.Input.Channels, width = layer.Output.PositionStride;
                    string y = $"state.Slice({id}Step, {width})";
                    // One sample: ForwardStep sums for latency (the order differs from Forward's in the last bits).
                    string x = currentStride == inputs ? current : $"{current}.Slice(0, {inputs})";
                    if (DenseEmitter.IsDot(layer))
                        w.Line($"{Kernels}DenseKernels.ForwardDot({x}, 1, inputs: {inputs}, xStride: {inputs}, {DenseEmitter.Slices(layer, "parameters")}, {y}, yStride: {width}); // {layer.Name}");
                    else
                    {
                        w.Line($"{Kernels}DenseKernels.ForwardStep({x}, inputs: {inputs},");
                        w.Line($"    {DenseEmitter.Slices(layer, "parameters")}, {y}, width: {width}); // {layer.Name}");
                    }
                    WriteActivation(w, layer, y);
                    current = y;
                    currentStride = width;
                    break;
                }
                default:
                {
                    int features = layer.Input.Channels, hidden = layer.Spec.Units, gateWidth = RecurrentEmitter.GateWidth(layer);
                    string x = currentStride == features ? current : $"{current}.Slice(0, {features})";
                    w.Line(RecurrentCallHead(layer, "Step", x));
                    string arguments = RecurrentCallState(layer);
                    current = $"state.Slice({id}Step, {layer.Output.PositionStride})";
                    currentStride = layer.Output.PositionStride;
                    // A Dense layer right after (Dropout aside) runs in the same call: the readout reads h where the step left it.
                    int next = index + 1;
                    while (next < layers.Count && layers[next].Kind == LayerKind.Dropout) next++;
                    ShapedLayer? readout = next < layers.Count && layers[next].Kind == LayerKind.Dense ? layers[next] : null;
                    if (readout is null)
                    {
                        w.Line($"    {arguments}); // {layer.Name}");
                        break;
                    }
                    string rid = readout.Identifier;
                    int width = readout.Output.PositionStride;
                    string y = $"state.Slice({rid}Step, {width})";
                    w.Line($"    {arguments}, // {layer.Name}");
                    bool dot = DenseEmitter.IsDot(readout);
                    // The last layer's one output goes straight to the caller's span (a dot readout writes y[0] only).
                    if (dot && readout == last && readout.Activation == ActivationKind.None)
                        y = "output";
                    w.Line($"    {DenseEmitter.Slices(readout, "parameters")}, readoutWidth: {(dot ? 1 : width)}, {y}); // {readout.Name}, fused");
                    for (int skipped = index + 1; skipped < next; skipped++)
                        w.Line($"// {layers[skipped].Name}: Dropout is inactive at inference");
                    WriteActivation(w, readout, y);
                    current = y;
                    currentStride = width;
                    index = next;
                    break;
                }
            }
        }
        if (current != "output")
            w.Line($"{current}.Slice(0, StepOutputSize).CopyTo(output);");
        w.Close();
        w.Line();
        WriteBlock(w, network);
    }

    /// <summary>The first line of a recurrent layer's kernel call: the kernel, its input and its weight matrices.</summary>
    private static string RecurrentCallHead(ShapedLayer layer, string method, string x)
    {
        int features = layer.Input.Channels, hidden = layer.Spec.Units, gateWidth = RecurrentEmitter.GateWidth(layer);
        string id = layer.Identifier;
        return $"{Kernels}{RecurrentEmitter.KernelClass(layer)}.{method}({x}, inputs: {features}, " +
            $"parameters.Slice({id}WeightIhL0, {features} * {gateWidth}), parameters.Slice({id}WeightHhL0, {hidden} * {gateWidth}),";
    }

    /// <summary>The rest of a recurrent layer's kernel call before any readout: biases, sizes and its state.</summary>
    private static string RecurrentCallState(ShapedLayer layer)
    {
        int gateWidth = RecurrentEmitter.GateWidth(layer);
        string id = layer.Identifier;
        return $"parameters.Slice({id}BiasIhL0, {gateWidth}), parameters.Slice({id}BiasHhL0, {gateWidth}), hidden: {layer.Spec.Units}, " +
            $"{RecurrentEmitter.ActivationArgument(layer)}state.Slice({id}Step, {StateLength(layer)})";
    }

    /// <summary>
    /// The networks whose whole block of steps runs in one kernel call: one recurrent layer on float input, then (Dropout
    /// aside) a one-unit Dense without activation as the last layer, the streaming regression head of an audio effect or
    /// a sensor filter. The kernel writes each step's output straight to the caller's span.
    /// </summary>
    private static (ShapedLayer Recurrent, ShapedLayer Readout)? BlockInOneCall(ShapedNetwork network)
    {
        if (network.TakesTokens) return null;
        var layers = new List<ShapedLayer>();
        foreach (ShapedLayer layer in network.Layers)
            if (layer.Kind != LayerKind.Dropout) layers.Add(layer);
        if (layers.Count != 2) return null;
        ShapedLayer recurrent = layers[0], readout = layers[1];
        bool fits = recurrent.Kind is LayerKind.SimpleRNN or LayerKind.LSTM or LayerKind.GRU && readout.Kind == LayerKind.Dense &&
            DenseEmitter.IsDot(readout) && readout.Activation == ActivationKind.None && readout == network.OutputLayer;
        return fits ? (recurrent, readout) : null;
    }

    /// <summary><c>StepBlock</c>: <c>Step</c> over a block of consecutive time steps, in one kernel call where the network allows.</summary>
    private static void WriteBlock(CodeWriter w, ShapedNetwork network)
    {
        string name = network.Spec.ClassName;
        bool tokens = network.TakesTokens;
        w.Line("/// <summary>");
        w.Line("/// Runs <c>Step</c> over a block of consecutive time steps of one sample (an audio callback's buffer, the frames since");
        w.Line("/// the last call): step t reads its input at <c>t · StepInputSize</c> and writes its output at <c>t · StepOutputSize</c>.");
        w.Line("/// The same outputs and state as that many calls of <c>Step</c>, with the arguments checked once" + (BlockInOneCall(network) is null ? "." : ","));
        if (BlockInOneCall(network) is not null)
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
        if (BlockInOneCall(network) is var (recurrent, readout))
        {
            w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
            w.Line("global::System.Span<float> state = _stepState.Span;");
            w.Line(RecurrentCallHead(recurrent, "StepBlock", "input"));
            w.Line($"    {RecurrentCallState(recurrent)}, // {recurrent.Name}");
            w.Line($"    {DenseEmitter.Slices(readout, "parameters")}, readoutWidth: 1, output, steps); // {readout.Name}, fused");
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
