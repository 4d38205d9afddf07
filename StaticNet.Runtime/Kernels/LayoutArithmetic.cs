// The memory layout's arithmetic, stated once: compiled into the runtime (namespace StaticNet.Kernels) and linked into
// the generator and the analyzers (namespace StaticNet.Generator.Shapes, STATICNET_GENERATOR defined), so that shape
// inference sizes every buffer with the formulas the kernels index it with. Two namespaces, so that a test assembly that
// sees the internals of both never finds two types of the same full name.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Shapes;
#else
namespace StaticNet.Kernels;
#endif

/// <summary>
/// Widths, padded row lengths and scratch lengths of the layouts the kernels and the generated code share. Every
/// function has a 64-bit form (the generator checks sizes before they can overflow) and, where the kernels need it, an
/// int form.
/// </summary>
internal static class LayoutArithmetic
{
    /// <summary>Every internal row length is a multiple of this (one 512-bit vector of floats).</summary>
    public const int WidthAlignment = 16;

    /// <summary><paramref name="value"/> rounded up to a multiple of <see cref="WidthAlignment"/>: a padded row's width.</summary>
    public static int Padded(int value) => (value + WidthAlignment - 1) / WidthAlignment * WidthAlignment;

    /// <summary><paramref name="value"/> rounded up to a multiple of <see cref="WidthAlignment"/>, in 64 bits.</summary>
    public static long Padded(long value) => (value + WidthAlignment - 1) / WidthAlignment * WidthAlignment;

    /// <summary>The floats of <paramref name="positions"/> rows of <paramref name="channels"/> values, each row padded: the padded channels-last layout.</summary>
    public static long PaddedRowsLength(long positions, long channels) => positions * Padded(channels);

    /// <summary>The recurrent cells, as the kernels number them (a SimpleRNN's activation aside).</summary>
    public const int LstmCell = 0, GruCell = 1, RnnCell = 2;

    /// <summary>The gates of a recurrent cell: LSTM 4 (i, f, g, o), GRU 3 (r, z, n), SimpleRNN 1.</summary>
    public static int RecurrentGates(int cell) => cell == LstmCell ? 4 : cell == GruCell ? 3 : 1;

    /// <summary>The state planes a cell saves per step for backpropagation through time: LSTM c, tanh c, h; GRU W_hn·h + b_hn, h; SimpleRNN none.</summary>
    public static int RecurrentStatePlanes(int cell) => cell == LstmCell ? 3 : cell == GruCell ? 2 : 0;

    /// <summary>The padded width of a recurrent layer's gate rows, <c>RoundUp(G·H, 16)</c>.</summary>
    public static long RecurrentGateWidth(int cell, long hidden) => Padded(RecurrentGates(cell) * hidden);

    /// <summary>
    /// The floats a recurrent layer saves per sample for backpropagation through time: every step's gates and state
    /// planes, then three rows of scratch (hz [GW], dh [Hp], aux [Hp]).
    /// </summary>
    public static long RecurrentSavedLength(int cell, long hidden, long steps)
    {
        long hp = Padded(hidden), gw = RecurrentGateWidth(cell, hidden);
        return steps * (gw + RecurrentStatePlanes(cell) * hp) + gw + 2 * hp;
    }

    /// <summary>The floats of a recurrent layer's streaming state: h, c and a row of scratch ([Hp] each), and two gate rows.</summary>
    public static long RecurrentStepStateLength(int cell, long hidden) => 3 * Padded(hidden) + 2 * RecurrentGateWidth(cell, hidden);

    /// <summary>The taps of a convolution: the columns of one im2col row, <c>kh·kw·C</c>.</summary>
    public static long ConvolutionTaps(long kernelHeight, long kernelWidth, long channels) => kernelHeight * kernelWidth * channels;

    /// <summary>One sample's im2col scratch: a row of taps per output position.</summary>
    public static long Im2ColLength(long outputPositions, long taps) => outputPositions * taps;
}
