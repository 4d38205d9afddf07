using System;
using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>Argument checks of generated networks, with messages that say what was expected and what was found.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Throws unless a one-sample buffer has exactly <paramref name="expected"/> floats.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void SampleLength(int length, int expected, string parameterName, string network)
    {
        if (length != expected)
            ThrowSampleLength(length, expected, parameterName, network);
    }

    private static void ThrowSampleLength(int length, int expected, string parameterName, string network) =>
        throw new ArgumentException(
            $"{network}: expected '{parameterName}' to hold one sample of {expected} floats; found {length}.", parameterName);

    /// <summary>
    /// Checks a block of streaming steps: <paramref name="inputLength"/> a multiple of <paramref name="inputSize"/> (the
    /// number of steps), and <paramref name="outputLength"/> exactly that many steps of <paramref name="outputSize"/>;
    /// returns the number of steps.
    /// </summary>
    public static int BlockSteps(int inputLength, int inputSize, int outputLength, int outputSize, string network)
    {
        int steps = inputLength / inputSize;
        if (inputLength % inputSize != 0 || outputLength != steps * outputSize)
            ThrowBlockSteps(inputLength, inputSize, outputLength, outputSize, network);
        return steps;
    }

    private static void ThrowBlockSteps(int inputLength, int inputSize, int outputLength, int outputSize, string network)
    {
        string unit = inputSize == 1 ? "value" : $"{inputSize} floats";
        if (inputLength % inputSize != 0)
            throw new ArgumentException(
                $"{network}: expected 'input' to hold whole time steps of {unit}; found {inputLength} " +
                $"({inputLength / inputSize} steps and {inputLength % inputSize} left over).", "input");
        int steps = inputLength / inputSize;
        throw new ArgumentException(
            $"{network}: 'input' holds {steps} time steps, so expected 'output' to hold {steps * outputSize} floats " +
            $"({outputSize} per step); found {outputLength}.", "output");
    }

    /// <summary>
    /// Checks a batch: <paramref name="inputsLength"/> a multiple of <paramref name="inputSize"/>, and
    /// <paramref name="otherLength"/> exactly as many rows of <paramref name="otherSize"/>; returns the number of samples.
    /// </summary>
    public static int BatchRows(int inputsLength, int inputSize, int otherLength, int otherSize, string otherName,
        string network, bool requireSamples = false)
    {
        if (inputsLength % inputSize != 0)
            throw new ArgumentException(
                $"{network}: expected 'inputs' to hold whole samples of {inputSize} floats; found {inputsLength} floats " +
                $"({inputsLength / inputSize} samples and {inputsLength % inputSize} floats left over).", "inputs");
        int rows = inputsLength / inputSize;
        if (requireSamples && rows == 0)
            throw new ArgumentException($"{network}: expected at least one sample in 'inputs'; found none.", "inputs");
        if (otherLength != rows * otherSize)
        {
            // Labels are class ids, one per sample, or one per time step for a loss over every step.
            bool labels = otherName == "labels";
            string values = labels ? "class ids" : "floats";
            string unit = labels
                ? otherSize == 1 ? "one class id per sample" : $"{otherSize} class ids per sample, one per time step"
                : otherSize == 1 ? "one float per sample" : $"one row of {otherSize} floats per sample";
            throw new ArgumentException(
                $"{network}: 'inputs' holds {rows} samples, so expected '{otherName}' to hold {rows * otherSize} {values} " +
                $"({unit}); found {otherLength}.", otherName);
        }
        return rows;
    }

    /// <summary>
    /// Checks that every label is a class index in [0, <paramref name="classes"/>), before a training call changes
    /// anything (the loss kernels check again, chunk by chunk, after the forward pass has run).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range; the message says which.</exception>
    public static void Labels(ReadOnlySpan<int> labels, int classes, string network)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException("labels", labels[i],
                    $"{network}: label {i} is {labels[i]}; expected a class index in [0, {classes}). Nothing was changed.");
    }

    /// <summary>
    /// Checks per-sample weights before a training call changes anything: one per sample, each finite and non-negative.
    /// </summary>
    /// <exception cref="ArgumentException">The count or a weight is wrong; the message says which.</exception>
    public static void SampleWeights(ReadOnlySpan<float> weights, int count, string network)
    {
        if (weights.Length != count)
            throw new ArgumentException(
                $"{network}: sampleWeights holds {weights.Length} weights; expected one per sample, {count}. Nothing was changed.", "sampleWeights");
        for (int i = 0; i < weights.Length; i++)
            if (!(weights[i] >= 0f) || float.IsInfinity(weights[i]))
                throw new ArgumentException(
                    $"{network}: sample weight {i} is {weights[i]}; expected a finite weight ≥ 0. Nothing was changed.", "sampleWeights");
    }

    /// <summary>
    /// The exception for a training or loading call that overlaps another on the same network instance.
    /// </summary>
    public static InvalidOperationException Overlapping(string operation, string network) =>
        new($"{network}.{operation} was called while another training or loading call (TrainStep, ComputeGradients, " +
            "LoadSafetensors, LoadEmbeddedWeights, SaveSafetensors) was running on the same instance, from another thread; the call was refused and " +
            "the instance is unchanged by it. Training, loading, saving and Parameters must be used from one thread at a time: use one " +
            "instance per training thread. Inference (Forward, ForwardBatch, ComputeLoss) may be shared by any number of threads.");

    /// <summary>Copies the first <paramref name="columns"/> floats of each of <paramref name="rows"/> rows.</summary>
    public static void CopyRows(ReadOnlySpan<float> source, int sourceStride, Span<float> destination, int columns, int rows)
    {
        if (sourceStride == columns)
        {
            source.Slice(0, rows * columns).CopyTo(destination);
            return;
        }
        for (int r = 0; r < rows; r++)
            source.Slice(r * sourceStride, columns).CopyTo(destination.Slice(r * columns, columns));
    }

    /// <summary>
    /// Token ids given as floats (a <c>Dataset</c>'s features, the <c>INetwork</c> interface) as ints, in a per-caller
    /// buffer that grows when needed. Throws when a value is not a whole number.
    /// </summary>
    /// <param name="values">The ids as floats.</param>
    /// <param name="buffer">The caller's buffer; replaced by a larger one when too small.</param>
    /// <param name="parameterName">The argument's name, for the message.</param>
    /// <param name="network">The network's name, for the message.</param>
    public static ReadOnlySpan<int> TokenIds(ReadOnlySpan<float> values, ref int[]? buffer, string parameterName, string network)
    {
        if (buffer is null || buffer.Length < values.Length)
            buffer = new int[Math.Max(values.Length, 64)];
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (!(value >= int.MinValue && value <= int.MaxValue) || value != MathF.Floor(value))
                throw new ArgumentException(
                    $"{network}: expected '{parameterName}' to hold token ids (whole numbers); found {value} at index {i}.", parameterName);
            buffer[i] = (int)value;
        }
        return buffer.AsSpan(0, values.Length);
    }
}
