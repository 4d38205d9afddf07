using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The few vector operations the kernels need, over one hardware vector width, so that each kernel is written once as a
/// generic method and instantiated for <see cref="V512"/>, <see cref="V256"/> and <see cref="V128"/> (the JIT
/// specialises generic methods over structs, so every call below inlines to a single instruction).
/// </summary>
internal interface ISimdVector<TSelf> where TSelf : struct, ISimdVector<TSelf>
{
    /// <summary>The number of floats in one vector.</summary>
    static abstract int Count { get; }

    static abstract TSelf Zero { get; }

    static abstract TSelf Load(ref float source);

    static abstract void Store(ref float destination, TSelf value);

    static abstract TSelf Broadcast(float value);

    static abstract TSelf Add(TSelf left, TSelf right);

    static abstract TSelf Subtract(TSelf left, TSelf right);

    static abstract TSelf Multiply(TSelf left, TSelf right);

    /// <summary>Whether <see cref="MultiplyAdd(TSelf, TSelf, TSelf)"/> rounds once (hardware FMA); a JIT-time constant.</summary>
    static abstract bool IsFused { get; }

    /// <summary><c>a · b + c</c>, fused when the hardware can.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>
    /// <c>a · b + c</c> with <c>b</c> loaded from <paramref name="b"/>: the same value as <c>MultiplyAdd(a, Load(ref b), c)</c>,
    /// but the load stays inside the FMA's tree, so the JIT folds it into the instruction (<c>vfmadd231ps acc, a, [mem]</c>).
    /// Through the wrapper structs a separate <see cref="Load"/> costs a load, an FMA and a register move instead: three
    /// times the instructions in a load-bound loop (the streaming step's recurrent product).
    /// </summary>
    static abstract TSelf MultiplyAdd(TSelf a, ref float b, TSelf c);

    static abstract TSelf Divide(TSelf left, TSelf right);

    /// <summary>The square root of each lane.</summary>
    static abstract TSelf Sqrt(TSelf value);

    static abstract TSelf Min(TSelf left, TSelf right);

    static abstract TSelf Max(TSelf left, TSelf right);

    static abstract TSelf Abs(TSelf value);

    /// <summary>
    /// The hardware minimum (one instruction: x86 <c>minps</c>, ARM <c>fmin</c>), for clamping: <c>MinNative(bound, x)</c>
    /// gives <c>x</c> when <c>x</c> is NaN (x86 returns the second operand, ARM propagates NaN). <see cref="Min"/> orders
    /// NaN and ±0 as IEEE 754-2019 and costs several instructions on x86.
    /// </summary>
    static abstract TSelf MinNative(TSelf left, TSelf right);

    /// <summary>The hardware maximum; see <see cref="MinNative"/>.</summary>
    static abstract TSelf MaxNative(TSelf left, TSelf right);

    static abstract TSelf Floor(TSelf value);

    /// <summary>Per lane 2ⁿ for an integral <c>n</c> in [−126, 127].</summary>
    static abstract TSelf Pow2(TSelf integral);

    /// <summary>Per lane <c>condition ≥ 0 ? ifNonNegative : otherwise</c>.</summary>
    static abstract TSelf SelectNonNegative(TSelf condition, TSelf ifNonNegative, TSelf otherwise);

    /// <summary>Per lane <c>max(v, 0)</c> as <see cref="MathF.Max(float, float)"/>: NaN stays NaN, −0 becomes +0.</summary>
    static abstract TSelf ReLU(TSelf value);

    /// <summary>Per lane <c>condition &lt; 0 ? ifNegative : otherwise</c>.</summary>
    static abstract TSelf SelectNegative(TSelf condition, TSelf ifNegative, TSelf otherwise);

    /// <summary>Per lane <c>condition &gt; 0 ? ifPositive : otherwise</c> (NaN is not positive).</summary>
    static abstract TSelf SelectPositive(TSelf condition, TSelf ifPositive, TSelf otherwise);

    /// <summary>The lanes of the vector added down to one 128-bit vector (same total, fewer lanes).</summary>
    static abstract Vector128<float> Fold128(TSelf value);

    /// <summary>
    /// Per lane <c>|x| &lt; MinNormal ? +0 : x</c>, as <see cref="SubnormalFlush.Flush(float)"/>: subnormals (and −0)
    /// become +0; normal numbers, infinities and NaN pass unchanged. Bitwise and compare instructions only (no
    /// arithmetic on the subnormal, so no microcode assist).
    /// </summary>
    static abstract TSelf FlushSubnormal(TSelf value);
}

/// <summary>Whether a kernel flushes subnormals on this call: <see cref="FlushSubnormals"/> or <see cref="KeepSubnormals"/>.</summary>
internal interface IFlushPolicy
{
    static abstract V Apply<V>(V value) where V : struct, ISimdVector<V>;
}

/// <summary><see cref="ISimdVector{TSelf}.FlushSubnormal"/>.</summary>
internal readonly struct FlushSubnormals : IFlushPolicy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> => V.FlushSubnormal(value);
}

/// <summary>The value unchanged.</summary>
internal readonly struct KeepSubnormals : IFlushPolicy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Apply<V>(V value) where V : struct, ISimdVector<V> => value;
}

/// <summary>Reductions shared by the vector widths.</summary>
internal static class SimdReduce
{
    /// <summary>
    /// The horizontal sum, in the same order as each lane of <see cref="Sum4"/>: the vector folded to 128 bits, then
    /// <c>(l₀ + l₁) + (l₂ + l₃)</c>. So a dot product gives the same bits whichever tile computes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<V>(V value) where V : struct, ISimdVector<V>
    {
        Vector128<float> f = V.Fold128(value);
        return (f.GetElement(0) + f.GetElement(1)) + (f.GetElement(2) + f.GetElement(3));
    }

    /// <summary><c>[Σa, Σb, Σc, Σd]</c>: four horizontal sums at the cost of about one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4<V>(V a, V b, V c, V d) where V : struct, ISimdVector<V>
    {
        Vector128<float> a4 = V.Fold128(a), b4 = V.Fold128(b), c4 = V.Fold128(c), d4 = V.Fold128(d);
        if (Sse3.IsSupported)
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a4, b4), Sse3.HorizontalAdd(c4, d4));
        if (AdvSimd.Arm64.IsSupported)
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a4, b4), AdvSimd.Arm64.AddPairwise(c4, d4));
        return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
    }
}

/// <summary>Which code path the kernels take; tests force the narrower ones to compare them with the reference.</summary>
internal static class KernelOptions
{
    /// <summary>
    /// The widest vector, in bits, the kernels may use on the calling thread: 512 by default (if the hardware has it),
    /// 256 or 128 to force a narrower path, 0 to force the scalar <see cref="ReferenceKernels"/>. Thread-static so that
    /// tests running in parallel do not see each other's setting.
    /// </summary>
    [ThreadStatic] private static int s_maxVectorBitsComplement;

    /// <summary>
    /// Whether any thread has ever narrowed its path. Until then (always, outside the tests) <see cref="Path"/> reads no
    /// thread-static: a thread-static read is a helper call in the kernels' fully optimised code, a few nanoseconds that
    /// the latency-bound streaming step pays on every call.
    /// </summary>
    private static bool s_narrowed;

    /// <summary>See <see cref="s_maxVectorBitsComplement"/>: stored as <c>512 − bits</c> so that the default is 512.</summary>
    internal static int MaxVectorBits
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_narrowed ? 512 - s_maxVectorBitsComplement : 512;
        set
        {
            s_maxVectorBitsComplement = 512 - value;
            if (value != 512) s_narrowed = true;
        }
    }

    /// <summary>
    /// Whether any thread has ever narrowed its path (tests only): while false, <see cref="Path"/> is the widest
    /// accelerated vector, a JIT-time constant, read without a thread-static (the batch-1 Dense shortcut,
    /// <c>DenseKernels.TryForwardRow</c>).
    /// </summary>
    internal static bool Narrowed
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => s_narrowed;
    }

    /// <summary>Forces (or stops forcing) the scalar reference path on the calling thread.</summary>
    internal static bool ForceScalar
    {
        get => MaxVectorBits == 0;
        set => MaxVectorBits = value ? 0 : 512;
    }

    /// <summary>The path a kernel called now on this thread takes: 512, 256, 128, or 0 for scalar.</summary>
    internal static int Path
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int max = MaxVectorBits;
            if (Vector512.IsHardwareAccelerated && max >= 512) return 512;
            if (Vector256.IsHardwareAccelerated && max >= 256) return 256;
            if (Vector128.IsHardwareAccelerated && max >= 128) return 128;
            return 0;
        }
    }
}

/// <summary>A 512-bit vector of 16 floats.</summary>
internal readonly struct V512 : ISimdVector<V512>
{
    private readonly Vector512<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V512(Vector512<float> value) => _value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512<float>.Count;
    }

    public static bool IsFused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Avx512F.IsSupported;
    }

    public static V512 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Load(ref float source) => new(Vector512.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref float destination, V512 value) => value._value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Add(V512 left, V512 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Subtract(V512 left, V512 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Multiply(V512 left, V512 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 MultiplyAdd(V512 a, V512 b, V512 c) =>
        Avx512F.IsSupported ? new(Avx512F.FusedMultiplyAdd(a._value, b._value, c._value)) : new(a._value * b._value + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 MultiplyAdd(V512 a, ref float b, V512 c) =>
        Avx512F.IsSupported
            ? new(Avx512F.FusedMultiplyAdd(a._value, Vector512.LoadUnsafe(ref b), c._value))
            : new(a._value * Vector512.LoadUnsafe(ref b) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Divide(V512 left, V512 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Sqrt(V512 value) => new(Vector512.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Min(V512 left, V512 right) => new(Vector512.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Max(V512 left, V512 right) => new(Vector512.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 MinNative(V512 left, V512 right) => Avx512F.IsSupported ? new(Avx512F.Min(left._value, right._value)) : new(Vector512.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 MaxNative(V512 left, V512 right) => Avx512F.IsSupported ? new(Avx512F.Max(left._value, right._value)) : new(Vector512.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Abs(V512 value) => new(Vector512.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Floor(V512 value) => new(Vector512.Floor(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Pow2(V512 integral) =>
        // The hardware conversion (cvtps2dq; n is integral and in range): ConvertToInt32 saturates on .NET 9+, extra instructions.
        new(Vector512.ShiftLeft((Avx512F.IsSupported ? Avx512F.ConvertToVector512Int32(integral._value) : Vector512.ConvertToInt32(integral._value)) + Vector512.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SelectNonNegative(V512 condition, V512 ifNonNegative, V512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(condition._value, Vector512<float>.Zero), ifNonNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 ReLU(V512 value) =>
        new(Vector512.AndNot(value._value, Vector512.LessThanOrEqual(value._value, Vector512<float>.Zero)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SelectNegative(V512 condition, V512 ifNegative, V512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(condition._value, Vector512<float>.Zero), ifNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SelectPositive(V512 condition, V512 ifPositive, V512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(condition._value, Vector512<float>.Zero), ifPositive._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 FlushSubnormal(V512 value) =>
        // A zero exponent field means ±0 or subnormal: one test of the bits (vptestnmd on AVX-512), then a masked zero.
        new(Vector512.ConditionalSelect(Vector512.Equals(value._value.AsUInt32() & Vector512.Create(SubnormalFlush.ExponentMask), Vector512<uint>.Zero).AsSingle(),
            Vector512<float>.Zero, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold128(V512 value)
    {
        Vector256<float> half = value._value.GetLower() + value._value.GetUpper();
        return half.GetLower() + half.GetUpper();
    }
}

/// <summary>A 256-bit vector of 8 floats.</summary>
internal readonly struct V256 : ISimdVector<V256>
{
    private readonly Vector256<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V256(Vector256<float> value) => _value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256<float>.Count;
    }

    public static bool IsFused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported;
    }

    public static V256 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector256<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Load(ref float source) => new(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref float destination, V256 value) => value._value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Add(V256 left, V256 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Subtract(V256 left, V256 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Multiply(V256 left, V256 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 MultiplyAdd(V256 a, V256 b, V256 c) =>
        Fma.IsSupported ? new(Fma.MultiplyAdd(a._value, b._value, c._value)) : new(a._value * b._value + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 MultiplyAdd(V256 a, ref float b, V256 c) =>
        Fma.IsSupported
            ? new(Fma.MultiplyAdd(a._value, Vector256.LoadUnsafe(ref b), c._value))
            : new(a._value * Vector256.LoadUnsafe(ref b) + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Divide(V256 left, V256 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Sqrt(V256 value) => new(Vector256.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Min(V256 left, V256 right) => new(Vector256.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Max(V256 left, V256 right) => new(Vector256.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 MinNative(V256 left, V256 right) => Avx.IsSupported ? new(Avx.Min(left._value, right._value)) : new(Vector256.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 MaxNative(V256 left, V256 right) => Avx.IsSupported ? new(Avx.Max(left._value, right._value)) : new(Vector256.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Abs(V256 value) => new(Vector256.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Floor(V256 value) => new(Vector256.Floor(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Pow2(V256 integral) =>
        // The hardware conversion (cvtps2dq; n is integral and in range): ConvertToInt32 saturates on .NET 9+, extra instructions.
        new(Vector256.ShiftLeft((Avx.IsSupported ? Avx.ConvertToVector256Int32(integral._value) : Vector256.ConvertToInt32(integral._value)) + Vector256.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SelectNonNegative(V256 condition, V256 ifNonNegative, V256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(condition._value, Vector256<float>.Zero), ifNonNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 ReLU(V256 value) =>
        new(Vector256.AndNot(value._value, Vector256.LessThanOrEqual(value._value, Vector256<float>.Zero)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SelectNegative(V256 condition, V256 ifNegative, V256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(condition._value, Vector256<float>.Zero), ifNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SelectPositive(V256 condition, V256 ifPositive, V256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThan(condition._value, Vector256<float>.Zero), ifPositive._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 FlushSubnormal(V256 value) =>
        // A zero exponent field means ±0 or subnormal: one test of the bits (vptestnmd on AVX-512), then a masked zero.
        new(Vector256.ConditionalSelect(Vector256.Equals(value._value.AsUInt32() & Vector256.Create(SubnormalFlush.ExponentMask), Vector256<uint>.Zero).AsSingle(),
            Vector256<float>.Zero, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold128(V256 value) => value._value.GetLower() + value._value.GetUpper();
}

/// <summary>A 128-bit vector of 4 floats.</summary>
internal readonly struct V128 : ISimdVector<V128>
{
    private readonly Vector128<float> _value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V128(Vector128<float> value) => _value = value;

    public static int Count
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128<float>.Count;
    }

    public static bool IsFused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    public static V128 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector128<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Load(ref float source) => new(Vector128.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ref float destination, V128 value) => value._value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Broadcast(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Add(V128 left, V128 right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Subtract(V128 left, V128 right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Multiply(V128 left, V128 right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 MultiplyAdd(V128 a, V128 b, V128 c)
    {
        if (Fma.IsSupported) return new(Fma.MultiplyAdd(a._value, b._value, c._value));
        if (AdvSimd.IsSupported) return new(AdvSimd.FusedMultiplyAdd(c._value, a._value, b._value));
        return new(a._value * b._value + c._value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 MultiplyAdd(V128 a, ref float b, V128 c)
    {
        if (Fma.IsSupported) return new(Fma.MultiplyAdd(a._value, Vector128.LoadUnsafe(ref b), c._value));
        if (AdvSimd.IsSupported) return new(AdvSimd.FusedMultiplyAdd(c._value, a._value, Vector128.LoadUnsafe(ref b)));
        return new(a._value * Vector128.LoadUnsafe(ref b) + c._value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Divide(V128 left, V128 right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Sqrt(V128 value) => new(Vector128.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Min(V128 left, V128 right) => new(Vector128.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Max(V128 left, V128 right) => new(Vector128.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 MinNative(V128 left, V128 right) => Sse.IsSupported ? new(Sse.Min(left._value, right._value)) : AdvSimd.IsSupported ? new(AdvSimd.Min(left._value, right._value)) : new(Vector128.Min(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 MaxNative(V128 left, V128 right) => Sse.IsSupported ? new(Sse.Max(left._value, right._value)) : AdvSimd.IsSupported ? new(AdvSimd.Max(left._value, right._value)) : new(Vector128.Max(left._value, right._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Abs(V128 value) => new(Vector128.Abs(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Floor(V128 value) =>
        // Sse41.Floor rather than Vector128.Floor: a NativeAOT binary for the baseline x86-64 CPU checks for SSE4.1 at run
        // time, and there Vector128.Floor is four calls to MathF.Floor whatever the CPU has.
        new(Sse41.IsSupported ? Sse41.Floor(value._value) : Sse2.IsSupported ? FloorSse2(value._value) : Vector128.Floor(value._value));

    /// <summary>
    /// <see cref="Vector128.Floor(Vector128{float})"/> in SSE2 instructions, for x86 CPUs without SSE4.1's <c>roundps</c>,
    /// where <c>Vector128.Floor</c> is four calls to <see cref="MathF.Floor"/>. Truncates through int32, steps down where that rounded up, keeps x itself where |x| ≥ 2²³ (already
    /// integral, ±∞) or x is NaN, and keeps x's sign (floor(−0) = −0): the same result in every lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> FloorSse2(Vector128<float> x)
    {
        Vector128<float> signBit = Vector128.Create(-0f);
        Vector128<float> t = Sse2.ConvertToVector128Single(Sse2.ConvertToVector128Int32WithTruncation(x));
        t = Sse.Subtract(t, Sse.And(Sse.CompareGreaterThan(t, x), Vector128.Create(1f)));
        t = Sse.Or(t, Sse.And(x, signBit));
        Vector128<float> small = Sse.CompareLessThan(Sse.AndNot(signBit, x), Vector128.Create(8388608f));
        return Sse.Or(Sse.And(small, t), Sse.AndNot(small, x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Pow2(V128 integral) =>
        // The hardware conversion (cvtps2dq; n is integral and in range): ConvertToInt32 saturates on .NET 9+, extra instructions.
        new(Vector128.ShiftLeft((Sse2.IsSupported ? Sse2.ConvertToVector128Int32(integral._value) : Vector128.ConvertToInt32(integral._value)) + Vector128.Create(127), 23).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 SelectNonNegative(V128 condition, V128 ifNonNegative, V128 otherwise) =>
        new(Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(condition._value, Vector128<float>.Zero), ifNonNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 ReLU(V128 value) =>
        new(Vector128.AndNot(value._value, Vector128.LessThanOrEqual(value._value, Vector128<float>.Zero)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 SelectNegative(V128 condition, V128 ifNegative, V128 otherwise) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(condition._value, Vector128<float>.Zero), ifNegative._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 SelectPositive(V128 condition, V128 ifPositive, V128 otherwise) =>
        new(Vector128.ConditionalSelect(Vector128.GreaterThan(condition._value, Vector128<float>.Zero), ifPositive._value, otherwise._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 FlushSubnormal(V128 value) =>
        // A zero exponent field means ±0 or subnormal: one test of the bits (vptestnmd on AVX-512), then a masked zero.
        new(Vector128.ConditionalSelect(Vector128.Equals(value._value.AsUInt32() & Vector128.Create(SubnormalFlush.ExponentMask), Vector128<uint>.Zero).AsSingle(),
            Vector128<float>.Zero, value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Fold128(V128 value) => value._value;
}
