using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Reflection;

namespace StaticNet.IO;

/// <summary>
/// Where one of a network's tensors comes from in an ONNX model (generated code for <c>[Network(Onnx = ...)]</c> holds
/// one per tensor): an initializer, read from element <see cref="Start"/> on, transposed (a MatMul or Gemm weight stored
/// [in, out]) and with its row blocks reordered (recurrent gates: ONNX's i, o, f, c and z, r, h to PyTorch's i, f, g, o and
/// r, z, n).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxTensorSource
{
    private readonly int[] _gateOrder;

    /// <summary>Describes the source of a tensor.</summary>
    /// <param name="initializer">The ONNX initializer's name, or null for a tensor ONNX does not hold (BatchNorm's num_batches_tracked): it keeps its value.</param>
    /// <param name="elements">The initializer's element count when the network was generated (0: not checked).</param>
    /// <param name="start">The first element of the initializer that the tensor takes (the second half of a recurrent B holds the hidden biases).</param>
    /// <param name="transpose">Whether the initializer is the tensor's 2-D transpose.</param>
    /// <param name="gateOrder">For recurrent weights, which ONNX row block each PyTorch row block is; empty otherwise.</param>
    public OnnxTensorSource(string? initializer, long elements = 0, int start = 0, bool transpose = false, params int[] gateOrder)
    {
        Initializer = initializer;
        Elements = elements;
        Start = start;
        Transpose = transpose;
        _gateOrder = gateOrder ?? new int[0];
    }

    /// <summary>The initializer's name, or null.</summary>
    public string? Initializer { get; }

    /// <summary>The initializer's element count when the network was generated, or 0 when not checked.</summary>
    public long Elements { get; }

    /// <summary>The first element the tensor takes.</summary>
    public int Start { get; }

    /// <summary>Whether the initializer is the transpose.</summary>
    public bool Transpose { get; }

    /// <summary>The ONNX row block of each PyTorch row block (empty: the same order).</summary>
    public ReadOnlySpan<int> GateOrder => _gateOrder;

    /// <summary>The position in the initializer of the tensor's row-major element <paramref name="flat"/> (of <paramref name="shape"/>).</summary>
    internal long SourceIndex(int flat, ReadOnlySpan<int> shape)
    {
        int rows = shape.Length == 0 ? 1 : shape[0];
        int columns = rows == 0 ? 0 : Product(shape) / rows;
        int row = flat / columns, column = flat % columns;
        if (_gateOrder.Length > 0)
        {
            int block = rows / _gateOrder.Length;
            row = _gateOrder[row / block] * block + row % block;
        }
        return Start + (Transpose ? (long)column * rows + row : (long)row * columns + column);
    }

    private static int Product(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (int d in shape) count *= d;
        return count;
    }
}

/// <summary>Loads a network's weights from the initializers of an ONNX model compiled into the assembly (<c>[Network(Onnx = ...)]</c>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnnxWeights
{
    /// <summary>
    /// Reads the ONNX resource <paramref name="resourceName"/> of <paramref name="assembly"/> in place and copies each
    /// tensor's initializer into <paramref name="parameters"/>: all or nothing (every initializer is checked first; on an
    /// error the parameters are as they were).
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly has no such resource.</exception>
    /// <exception cref="InvalidDataException">The resource is not ONNX, lacks an initializer, or one has another size or type than the network's tensor.</exception>
    public static unsafe void Load(Assembly assembly, string resourceName, IReadOnlyList<ParameterTensor> tensors, IReadOnlyList<OnnxTensorSource> sources, Span<float> parameters)
    {
        Throw.IfNull(assembly);
        Throw.IfNull(resourceName);
        Throw.IfNull(tensors);
        Throw.IfNull(sources);
        using Stream? stream = assembly.GetManifestResourceStream(resourceName);
        if (stream is null)
        {
            string[] names = assembly.GetManifestResourceNames();
            throw new FileNotFoundException(
                $"Assembly '{assembly.GetName().Name}' has no embedded resource '{resourceName}', the ONNX model the network was imported from; " +
                (names.Length == 0 ? "it has none. " : $"it has: {string.Join(", ", names)}. ") +
                "Add the model with <StaticNetOnnx Include=\"path/to/model.onnx\" /> (which embeds it under that name) to the project.",
                resourceName);
        }
        if (stream is UnmanagedMemoryStream memory && memory.Length - memory.Position <= int.MaxValue)
        {
            Load(new ReadOnlySpan<byte>(memory.PositionPointer, (int)(memory.Length - memory.Position)), resourceName, tensors, sources, parameters);
            return;
        }
        var bytes = new byte[stream.Length];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = stream.Read(bytes, read, bytes.Length - read);
            if (n == 0) break;
            read += n;
        }
        Load(bytes.AsSpan(0, read), resourceName, tensors, sources, parameters);
    }

    /// <summary>As <see cref="Load(Assembly, string, IReadOnlyList{ParameterTensor}, IReadOnlyList{OnnxTensorSource}, Span{float})"/>, from the model's bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not ONNX, lack an initializer, or one has another size or type than the network's tensor.</exception>
    public static void Load(ReadOnlySpan<byte> model, string modelName, IReadOnlyList<ParameterTensor> tensors, IReadOnlyList<OnnxTensorSource> sources, Span<float> parameters)
    {
        Throw.IfNull(tensors);
        Throw.IfNull(sources);
        if (sources.Count != tensors.Count)
            throw new ArgumentException($"Expected one ONNX source per tensor ({tensors.Count}); found {sources.Count}.", nameof(sources));
        OnnxModel parsed;
        try { parsed = OnnxModel.Read(model); }
        catch (OnnxFormatException e) { throw new InvalidDataException($"'{modelName}' is not a readable ONNX model: {e.Message}", e); }
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (OnnxTensor tensor in parsed.Graph.Initializers) initializers[tensor.Name] = tensor;

        // Check everything first: a failed load changes nothing.
        var found = new OnnxTensor?[tensors.Count];
        for (int t = 0; t < tensors.Count; t++)
        {
            OnnxTensorSource source = sources[t];
            if (source.Initializer is null) continue;
            ParameterTensor target = tensors[t];
            if (!initializers.TryGetValue(source.Initializer, out OnnxTensor? initializer))
                throw new InvalidDataException($"ONNX model '{modelName}' has no initializer '{source.Initializer}', which tensor '{target.Name}' {target.ShapeText} is read from; " +
                    "the embedded model is not the one the network was generated from (rebuild after changing it).");
            if (initializer.FloatDataProblem() is { } problem)
                throw new InvalidDataException($"ONNX initializer '{initializer.Name}' (for tensor '{target.Name}') has {problem}.");
            if (source.Elements != 0 && initializer.ElementCount != source.Elements || source.Start + (long)target.ElementCount > initializer.ElementCount)
                throw new InvalidDataException($"ONNX initializer '{initializer.Name}' {initializer.ShapeText} has {initializer.ElementCount} elements; tensor '{target.Name}' {target.ShapeText} " +
                    $"needs {target.ElementCount} from element {source.Start}{(source.Elements != 0 ? $" of an initializer of {source.Elements}" : "")}: the embedded model is not the one the network was generated from (rebuild after changing it).");
            found[t] = initializer;
        }
        float[] staging = new float[MaxCount(tensors)];
        for (int t = 0; t < tensors.Count; t++)
        {
            if (found[t] is not { } initializer) continue;
            ParameterTensor target = tensors[t];
            Span<float> values = staging.AsSpan(0, target.ElementCount);
            for (int i = 0; i < values.Length; i++)
                values[i] = initializer.FloatAt(model, sources[t].SourceIndex(i, target.Shape));
            target.ImportFrom(values, parameters);
        }
    }

    private static int MaxCount(IReadOnlyList<ParameterTensor> tensors)
    {
        int max = 0;
        foreach (ParameterTensor tensor in tensors) max = Math.Max(max, tensor.ElementCount);
        return max;
    }
}
