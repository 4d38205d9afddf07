using System;
using System.Runtime.CompilerServices;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace StaticNet.Kernels;

/// <summary>
/// <c>nn.Embedding</c>: each token selects a row of the weight. PyTorch's <c>weight [V, D]</c> is stored as
/// <c>[V, Dp]</c>, <c>Dp = RoundUp(D, 16)</c>: element (v, d) at <c>v·Dp + d</c> (strides (Dp, 1)), padding zero.
/// The output of <c>count</c> tokens (a chunk's <c>rows·T</c>, one after another) is <c>[count, Dp]</c>, the internal
/// sequence layout <c>[rows, T, Dp]</c>.
/// </summary>
/// <remarks>Not for direct use: called by generated code with literal sizes.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EmbeddingKernels
{
    /// <summary><c>y[i, :] = weight[tokens[i], :]</c> for <c>i &lt; count</c>; the padding columns of y are written as zero.</summary>
    /// <param name="tokens">The token indices, at least <paramref name="count"/>.</param>
    /// <param name="count">The number of tokens (rows·T).</param>
    /// <param name="weight">The weight, <c>[vocabulary, Dp]</c>.</param>
    /// <param name="vocabulary">V.</param>
    /// <param name="dimension">D.</param>
    /// <param name="y">The output, <c>[count, Dp]</c>, overwritten.</param>
    /// <exception cref="ArgumentOutOfRangeException">A token is negative or not below <paramref name="vocabulary"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<int> tokens, int count, ReadOnlySpan<float> weight, int vocabulary, int dimension, Span<float> y)
    {
        int dp = Check(tokens.Length, count, weight.Length, vocabulary, dimension, y.Length, nameof(y));
        for (int i = 0; i < count; i++)
        {
            int token = tokens[i];
            if ((uint)token >= (uint)vocabulary)
                throw BadToken(token, i, vocabulary);
            Span<float> row = y.Slice(i * dp, dp);
            weight.Slice(token * dp, dimension).CopyTo(row);
            row.Slice(dimension).Clear();
        }
    }

    /// <summary><c>dWeight[tokens[i], :] += dy[i, :]</c> for <c>i &lt; count</c> (repeated tokens add up).</summary>
    /// <param name="tokens">The token indices of the forward pass.</param>
    /// <param name="count">The number of tokens.</param>
    /// <param name="dy">The output gradient, <c>[count, Dp]</c>.</param>
    /// <param name="vocabulary">V.</param>
    /// <param name="dimension">D.</param>
    /// <param name="dWeight">The weight gradient, <c>[vocabulary, Dp]</c>, accumulated into (padding untouched).</param>
    /// <param name="paddingIndex">The padding token (<c>nn.Embedding</c>'s <c>padding_idx</c>), whose row gets no gradient; −1 for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A token is negative or not below <paramref name="vocabulary"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<int> tokens, int count, ReadOnlySpan<float> dy, int vocabulary, int dimension, Span<float> dWeight,
        int paddingIndex = -1)
    {
        int dp = Check(tokens.Length, count, dWeight.Length, vocabulary, dimension, dy.Length, nameof(dy));
        for (int i = 0; i < count; i++)
        {
            int token = tokens[i];
            if ((uint)token >= (uint)vocabulary)
                throw BadToken(token, i, vocabulary);
            if (token == paddingIndex) continue;
            Span<float> row = dWeight.Slice(token * dp, dimension);
            TensorPrimitives.Add(row, dy.Slice(i * dp, dimension), row);
        }
    }

    private static int Check(int tokens, int count, int weight, int vocabulary, int dimension, int y, string yName)
    {
        int dp = LayoutArithmetic.Padded(dimension);
        if (count < 0 || vocabulary <= 0 || dimension <= 0 || tokens < count || weight < (long)vocabulary * dp || y < (long)count * dp)
            throw new ArgumentException(
                $"Embedding kernel called with inconsistent sizes: {count} tokens (buffer {tokens}), vocabulary {vocabulary}, " +
                $"dimension {dimension} (padded {dp}); weight {weight} floats (expected {(long)vocabulary * dp}), '{yName}' {y} (expected {(long)count * dp}).");
        return dp;
    }

    private static ArgumentOutOfRangeException BadToken(int token, int index, int vocabulary) =>
        new("tokens", token,
            $"Embedding: token {token} at position {index} is outside the vocabulary of {vocabulary} (valid tokens are 0 to {vocabulary - 1}).");
}
