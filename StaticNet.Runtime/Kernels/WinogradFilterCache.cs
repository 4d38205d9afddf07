#if NET8_0_OR_GREATER
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StaticNet.Kernels;

/// <summary>
/// The transformed filters of the inference-only Winograd paths (<see cref="ConvWinograd"/>'s fused convolution + max
/// pool) and of <see cref="ConvWinograd24"/> on every path (in training its entry is refilled when the step has
/// changed the weights), kept per thread between calls: a batch-1 <c>Forward</c> of the Fashion-MNIST CNN spent about 1 µs of its 22
/// transforming the same 16 → 32 filter again on every call. Each entry holds a private copy of the weights it was
/// computed from and is used only when the weights passed in are the same bits (one vectorised comparison of the
/// 4,608 floats, about 0.1 µs), so a weight changed by training, loading or anything else is always noticed and the
/// result is the same bits as transforming on every call. The first call on a thread (and a call after the weights
/// change) allocates or refills an entry; eight entries per thread serve several layers or networks in turn.
/// </summary>
internal static unsafe class WinogradFilterCache
{
    private const int Slots = 8;

    /// <summary>The largest transformed filter kept (1 MB): a larger one is transformed into the caller's scratch on every
    /// call, as before, rather than held twice (weights and transform) per thread.</summary>
    public const int MaxTransformedLength = 256 * 1024;

    [ThreadStatic] private static Entry?[]? entries;
    [ThreadStatic] private static int next;

    /// <summary>Tests switch the cache off (every call transforms into the caller's scratch, as before).</summary>
    [ThreadStatic] internal static bool Disabled;

    /// <summary>Counts the transforms computed on this thread (tests check that a repeated call reuses the entry and that
    /// changed weights are noticed).</summary>
    [ThreadStatic] internal static long Transforms;

    private sealed class Entry
    {
        public nint Key;
        public int Kind;
        public float[] Raw = Array.Empty<float>();
        public float[] Transformed = Array.Empty<float>();
        public int Offset; // of the first 64-byte aligned float in Transformed (a pinned array)
        public int TransformedLength;
    }

    /// <summary>
    /// The transformed filter of <paramref name="weight"/> (<paramref name="rawLength"/> floats), computed by
    /// <paramref name="transform"/> (<c>weight[taps, cin, cp]</c> into the transformed layout) into <paramref name="transformedLength"/> floats when no entry of this thread holds it;
    /// <paramref name="kind"/> tells transforms of different shapes or algorithms apart.
    /// </summary>
    public static ref float Get(ref float weight, int rawLength, int kind, int transformedLength,
        delegate*<ref float, nint, nint, ref float, void> transform, nint cin, nint cp)
    {
        var all = entries ??= new Entry?[Slots];
        nint key = (nint)Unsafe.AsPointer(ref weight);
        ReadOnlySpan<uint> raw = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<float, uint>(ref weight), rawLength);
        Entry? entry = null;
        for (int i = 0; i < all.Length; i++)
            if (all[i] is { } e && e.Key == key && e.Kind == kind && e.Raw.Length == rawLength && e.TransformedLength == transformedLength)
            {
                entry = e;
                break;
            }
        if (entry is not null && raw.SequenceEqual(MemoryMarshal.Cast<float, uint>(entry.Raw.AsSpan())))
            return ref entry.Transformed[entry.Offset];
        if (entry is null)
        {
            int slot = next;
            next = (next + 1) % Slots;
            entry = all[slot] ??= new Entry();
            entry.Key = key;
        }
        if (entry.Raw.Length != rawLength) entry.Raw = new float[rawLength];
        if (entry.TransformedLength != transformedLength)
        {
            entry.Transformed = GC.AllocateUninitializedArray<float>(transformedLength + 16, pinned: true);
            entry.Offset = AlignedBuffer.FloatsToBoundary(ref entry.Transformed[0]);
            entry.TransformedLength = transformedLength;
        }
        entry.Kind = -1; // not valid while being refilled
        transform(ref weight, cin, cp, ref entry.Transformed[entry.Offset]);
        MemoryMarshal.Cast<uint, float>(raw).CopyTo(entry.Raw);
        entry.Kind = kind;
        Transforms++;
        return ref entry.Transformed[entry.Offset];
    }
}
#endif
