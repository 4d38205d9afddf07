using System.Linq;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The members of <c>[Network(GradientsFromCaller = true)]</c>: <c>ForwardTraining</c> (a training-mode forward pass that
/// keeps every chunk's activations), <c>Backward</c> (from ∂L/∂output the caller computed: the parameters' gradients
/// into <c>Gradients</c>, and ∂L/∂input) and <c>ApplyGradients</c> (one optimizer step).
/// </summary>
internal static class CallerGradients
{
    public static void Write(CodeWriter w, ShapedNetwork network)
    {
        string className = network.Spec.ClassName;
        bool statistics = NetworkEmitter.HasStatistics(network), random = network.UsesRandom;
        ActivationShape output = network.Output, input = network.Input;
        string region = network.OutputLayer.Identifier + "Output";
        string outputRows = output.Positions == 1 ? "rows" : $"rows * {output.Positions}";
        const string kernels = "global::StaticNet.Kernels.";

        w.Line("private global::StaticNet.Kernels.AlignedBuffer? _callerActivations; // ForwardTraining's activations, one chunk after another, for Backward");
        w.Line("private global::StaticNet.Kernels.AlignedBuffer? _callerDeltas; // Backward's gradients of one chunk");
        w.Line("private float[]? _callerInputs; // ForwardTraining's inputs, for Backward");
        if (statistics) w.Line("private float[]? _callerStatistics; // each chunk's BatchNorm statistics, folded into the running ones after the chunks");
        w.Line("private int _callerCount; // the samples of the last ForwardTraining; 0: nothing to backpropagate");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Runs n samples through the network in training mode (BatchNorm's batch statistics, which it counts in the running");
        w.Line("/// ones, and dropout), as PyTorch's <c>train()</c> forward, and keeps what <c>Backward</c> needs. Allocates only when n");
        w.Line("/// is larger than in every call before.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"inputs\">n × {network.InputSize} floats, one sample after another.</param>");
        w.Line($"/// <param name=\"outputs\">n × {network.OutputSize} floats, overwritten with the outputs.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length is wrong; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training or loading this instance.</exception>");
        w.Hot();
        w.Open("public void ForwardTraining(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs)");
        w.Line($"int count = {kernels}Guard.BatchRows(inputs.Length, InputSize, outputs.Length, OutputSize, nameof(outputs), \"{className}\", requireSamples: true);");
        w.Line("EnterExclusive(nameof(ForwardTraining));");
        w.Open("try");
        w.Line($"int chunks = {kernels}ParallelBatch.Chunks(count);");
        w.Line("if (_callerActivations is null || _callerActivations.Length < chunks * ActivationBufferLength)");
        w.Line("    _callerActivations = new global::StaticNet.Kernels.AlignedBuffer(chunks * ActivationBufferLength);");
        w.Line("if (_callerInputs is null || _callerInputs.Length < inputs.Length) _callerInputs = new float[inputs.Length];");
        if (statistics)
        {
            w.Line("const int stateLength = ParameterBufferLength - TrainableLength;");
            w.Line("if (_callerStatistics is null || _callerStatistics.Length < chunks * stateLength) _callerStatistics = new float[chunks * stateLength];");
        }
        if (random)
        {
            w.Line("ulong seed = _random; // each chunk's dropout stream is a function of this and the chunk's index, as in TrainStep");
            w.Line($"_random = {kernels}DropoutKernels.NextCallState(_random);");
        }
        w.Line("_callerCount = 0; // until every chunk ran");
        w.Line("inputs.CopyTo(new global::System.Span<float>(_callerInputs));");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Open("for (int chunk = 0; chunk < chunks; chunk++)");
        w.Line("int start = chunk * ChunkRows, rows = global::System.Math.Min(ChunkRows, count - start);");
        w.Line("global::System.Span<float> activations = _callerActivations.Span.Slice(chunk * ActivationBufferLength, ActivationBufferLength);");
        w.Line("global::System.ReadOnlySpan<float> x = inputs.Slice(start * InputSize, rows * InputSize);");
        if (network.HasTrainingMode)
        {
            if (random) w.Line($"ulong chunkRandom = {kernels}DropoutKernels.ChunkState(seed, chunk);");
            w.Line("TrainingForwardRows(parameters, x, activations, rows" + (statistics ? ", new global::System.Span<float>(_callerStatistics, chunk * stateLength, stateLength)" : "") +
                (random ? ", ref chunkRandom" : "") + ");");
        }
        else
        {
            w.Line("ForwardRows(parameters, x, activations, rows);");
        }
        w.Line($"{kernels}Guard.CopyRows(activations.Slice({region}, rows * {output.RowLength}), {output.PositionStride}, outputs.Slice(start * OutputSize, rows * OutputSize), {output.Channels}, {outputRows});");
        w.Close();
        if (statistics)
        {
            w.Line("global::System.Span<float> state = _parameters.Span;");
            w.Line("for (int chunk = 0; chunk < chunks; chunk++) CommitStatistics(state, new global::System.Span<float>(_callerStatistics, chunk * stateLength, stateLength)); // chunk after chunk, as TrainStep");
        }
        w.Line("_callerCount = count;");
        w.Close();
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Backpropagates a gradient the caller computed, ∂L/∂output for each output of the last <c>ForwardTraining</c>, through");
        w.Line("/// its activations: overwrites <c>Gradients</c> with ∂L/∂parameters (summed over the samples, as PyTorch's");
        w.Line("/// <c>output.backward(gradient)</c>) and, unless <paramref name=\"inputGradients\"/> is empty, writes ∂L/∂input there.");
        w.Line("/// Frozen layers' gradients stay zero. Allocates nothing after its first call. Call it once or several times per");
        w.Line("/// <c>ForwardTraining</c>; then <c>ApplyGradients</c> to take a step.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"outputGradients\">n × {network.OutputSize} floats: ∂L/∂output of each sample of the last ForwardTraining.</param>");
        w.Line($"/// <param name=\"inputGradients\">n × {network.InputSize} floats, overwritten with ∂L/∂input; or empty, to compute only the parameters' gradients.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length is wrong; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">There was no ForwardTraining, or another thread is training or loading this instance.</exception>");
        w.Hot();
        w.Open("public void Backward(global::System.ReadOnlySpan<float> outputGradients, global::System.Span<float> inputGradients)");
        w.Line("int count = _callerCount;");
        w.Line("if (count == 0)");
        w.Line($"    throw new global::System.InvalidOperationException(\"{className}.Backward needs the activations of a ForwardTraining call; expected ForwardTraining(inputs, outputs) first, then Backward(outputGradients)\");");
        w.Line("if (outputGradients.Length != count * OutputSize)");
        w.Line($"    throw new global::System.ArgumentException($\"{className}.Backward expected {{count * OutputSize}} output gradients ({{count}} samples × {{OutputSize}}, as the last ForwardTraining); found {{outputGradients.Length}}\", nameof(outputGradients));");
        w.Line("if (!inputGradients.IsEmpty && inputGradients.Length != count * InputSize)");
        w.Line($"    throw new global::System.ArgumentException($\"{className}.Backward expected {{count * InputSize}} floats for the input gradients ({{count}} samples × {{InputSize}}) or none; found {{inputGradients.Length}}\", nameof(inputGradients));");
        w.Line("EnterExclusive(nameof(Backward));");
        w.Open("try");
        w.Line("global::StaticNet.Kernels.AlignedBuffer deltaBuffer = _callerDeltas ??= new global::StaticNet.Kernels.AlignedBuffer(ActivationBufferLength);");
        w.Line("global::System.Span<float> deltas = deltaBuffer.Span, gradients = _gradients.Span;");
        w.Line("global::System.ReadOnlySpan<float> parameters = _parameters.Span;");
        w.Line("gradients.Clear();");
        w.Line("bool inputGradient = !inputGradients.IsEmpty;");
        w.Line("int first = inputGradient ? 0 : _firstTrainable; // the input's gradient runs through every layer");
        w.Open($"for (int chunk = 0; chunk * ChunkRows < count; chunk++)");
        w.Line("int start = chunk * ChunkRows, rows = global::System.Math.Min(ChunkRows, count - start);");
        w.Line("global::System.Span<float> activations = _callerActivations!.Span.Slice(chunk * ActivationBufferLength, ActivationBufferLength);");
        w.Line("global::System.ReadOnlySpan<float> x = new global::System.ReadOnlySpan<float>(_callerInputs, start * InputSize, rows * InputSize);");
        w.Line($"{kernels}MergeKernels.CopyChannels(outputGradients.Slice(start * OutputSize, rows * OutputSize), {output.Channels}, 0, deltas.Slice({region}, rows * {output.RowLength}), {output.PositionStride}, 0, {output.Channels}, {outputRows}); // the caller's ∂L/∂output");
        w.Line("BackwardRows(parameters, gradients, x, activations, deltas, rows, _frozen, first, inputGradient, overwrite: false);");
        w.Line("if (!inputGradient) continue;");
        w.Line("global::System.Span<float> dx = inputGradients.Slice(start * InputSize, rows * InputSize);");
        w.Line("dx.Clear();");
        if (network.InputGradientRegions.Any(r => r.Name == "InputGradientScratch")) w.Line("global::System.Span<float> scratch;");
        ActivationShape padded = network.PaddedInput;
        foreach (Region r in network.InputGradientRegions.Where(r => r.Name != "InputGradientScratch"))
        {
            string slice = $"deltas.Slice({r.Name}, rows * {r.Length})";
            if (!r.Name.EndsWith("ChannelsLast", System.StringComparison.Ordinal))
            {
                w.Line($"{kernels}MergeKernels.Accumulate({slice}, dx, rows * InputSize); // {r.Description}");
                continue;
            }
            w.Line($"scratch = deltas.Slice(InputGradientScratch, rows * {input.RowLength});");
            w.Line($"{kernels}LayoutKernels.Reorder({slice}, rows, positions: {input.Positions}, channels: {input.Channels}, xSample: {padded.RowLength}, xPosition: {padded.PositionStride}, xChannel: 1,");
            w.Line($"    scratch, ySample: {input.RowLength}, yPosition: {input.PositionStride}, yChannel: {input.ChannelStride}); // {r.Description}");
            w.Line($"{kernels}MergeKernels.Accumulate(scratch, dx, rows * InputSize);");
        }
        w.Close();
        w.Close();
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();

        w.Line("/// <summary>Backward without the input's gradient: <c>Backward(outputGradients, default)</c>.</summary>");
        w.Line($"/// <param name=\"outputGradients\">n × {network.OutputSize} floats: ∂L/∂output of each sample of the last ForwardTraining.</param>");
        w.Line("public void Backward(global::System.ReadOnlySpan<float> outputGradients) => Backward(outputGradients, default);");
        w.Line();

        string trained = network.TrainableLength == network.ParameterBufferLength ? "_parameters.Span" : "_parameters.Span.Slice(0, TrainableLength)";
        w.Line("/// <summary>");
        w.Line("/// One step of <paramref name=\"optimizer\"/> with <c>Gradients</c> (from <c>Backward</c>, or as the caller set them); frozen");
        w.Line("/// layers stay as they are. Allocates nothing after the optimizer's first step.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::StaticNet.TrainingDivergedException\">A gradient is NaN or infinite; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training or loading this instance, or the optimizer is bound to another network.</exception>");
        w.Open("public void ApplyGradients(global::StaticNet.Optimizers.Optimizer optimizer)");
        w.Line("if (optimizer is null) throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Line("EnterExclusive(nameof(ApplyGradients));");
        w.Open("try");
        w.Line($"if (_trainableRanges is null) optimizer.Step({trained}, _gradients.Span, this);");
        w.Line($"else optimizer.Step({trained}, _gradients.Span, this, _trainableRanges);");
        w.Close();
        w.Line("finally { ExitExclusive(); }");
        w.Close();
        w.Line();
    }
}
