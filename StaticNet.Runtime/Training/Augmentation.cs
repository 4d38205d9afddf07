using System;

namespace StaticNet.Training;

/// <summary>The shape of an image sample, channels first as PyTorch's <c>[C, H, W]</c> (the network's <c>[Input(C, H, W)]</c>).</summary>
/// <param name="Channels">The number of channels, ≥ 1.</param>
/// <param name="Height">The number of rows, ≥ 1.</param>
/// <param name="Width">The number of columns, ≥ 1.</param>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>The number of floats in one sample: <c>C · H · W</c>.</summary>
    public long Size => (long)Channels * Height * Width;
}

/// <summary>
/// Random changes the <see cref="Trainer"/> makes to each training sample of each batch (never to validation data):
/// random shifts and horizontal flips of images, then Gaussian noise on every input. Seeded from
/// <see cref="TrainerOptions.Seed"/>: the same seed gives the same changes, and a checkpoint carries the generator's state.
/// Allocates nothing per batch.
/// </summary>
/// <example>
/// <code>
/// options.Augmentation = new Augmentation { Image = new ImageShape(1, 28, 28), MaxShift = 2, HorizontalFlip = true, NoiseStandardDeviation = 0.05f };
/// </code>
/// </example>
public sealed class Augmentation
{
    /// <summary>
    /// The standard deviation of the zero-mean Gaussian noise added to every input value (noise injection, a
    /// regulariser); 0 (the default) adds none.
    /// </summary>
    public float NoiseStandardDeviation { get; set; }

    /// <summary>
    /// The shape of an input sample as an image, needed for shifts and flips; its size must be the network's input size.
    /// The generated class declares it in its <c>[Input(C, H, W)]</c>.
    /// </summary>
    public ImageShape? Image { get; set; }

    /// <summary>
    /// The largest shift in pixels, ≥ 0: each sample moves by whole pixels drawn uniformly from
    /// [−MaxShift, MaxShift] in each direction, the uncovered border filled with <see cref="FillValue"/>. Default 0.
    /// </summary>
    public int MaxShift { get; set; }

    /// <summary>Whether each sample is mirrored left to right with probability ½. Default false.</summary>
    public bool HorizontalFlip { get; set; }

    /// <summary>The value of pixels a shift uncovers. Default 0.</summary>
    public float FillValue { get; set; }

    internal bool Moves => MaxShift > 0 || HorizontalFlip;

    internal void Validate(int inputSize)
    {
        if (!(NoiseStandardDeviation >= 0f) || float.IsInfinity(NoiseStandardDeviation))
            throw new ArgumentException($"Expected {nameof(NoiseStandardDeviation)} to be a finite number ≥ 0; found {NoiseStandardDeviation}.", nameof(NoiseStandardDeviation));
        if (MaxShift < 0)
            throw new ArgumentException($"Expected {nameof(MaxShift)} ≥ 0; found {MaxShift}.", nameof(MaxShift));
        if (!float.IsFinite(FillValue))
            throw new ArgumentException($"Expected a finite {nameof(FillValue)}; found {FillValue}.", nameof(FillValue));
        if (!Moves) return;
        if (Image is not { } image)
            throw new ArgumentException($"Shifts and flips need the image shape: set {nameof(Augmentation)}.{nameof(Image)} to the network's [Input(C, H, W)]; found none.", nameof(Image));
        if (image.Channels < 1 || image.Height < 1 || image.Width < 1 || image.Size != inputSize)
            throw new ArgumentException($"Expected an image shape of positive sizes with C·H·W = the network's input size {inputSize}; found [{image.Channels}, {image.Height}, {image.Width}].", nameof(Image));
    }
}

/// <summary>Applies an <see cref="Augmentation"/> to batches in place, from a SplitMix64 generator (the dropout kernels' own).</summary>
internal sealed class Augmenter
{
    private readonly Augmentation _settings;
    private readonly int _inputSize;
    private readonly float[] _scratch;

    public Augmenter(Augmentation settings, int inputSize, ulong state)
    {
        _settings = settings;
        _inputSize = inputSize;
        _scratch = new float[inputSize];
        State = state;
    }

    /// <summary>The generator's state, saved in checkpoints.</summary>
    public ulong State { get; set; }

    /// <summary>The first state for a seed.</summary>
    public static ulong InitialState(int seed) => 0x5DEECE66DUL ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;

    /// <summary>Changes <paramref name="rows"/> samples of <paramref name="batch"/> in place.</summary>
    public void Apply(Span<float> batch, int rows)
    {
        ulong s = State;
        Augmentation a = _settings;
        for (int r = 0; r < rows; r++)
        {
            Span<float> sample = batch.Slice(r * _inputSize, _inputSize);
            if (a.Moves)
            {
                ImageShape image = a.Image!.Value;
                int dx = 0, dy = 0;
                if (a.MaxShift > 0)
                {
                    int span = 2 * a.MaxShift + 1;
                    dx = Math.Min((int)(Kernels.DropoutKernels.NextUniform(ref s) * span), span - 1) - a.MaxShift;
                    dy = Math.Min((int)(Kernels.DropoutKernels.NextUniform(ref s) * span), span - 1) - a.MaxShift;
                }
                bool flip = a.HorizontalFlip && Kernels.DropoutKernels.NextUniform(ref s) < 0.5f;
                if (dx != 0 || dy != 0 || flip) Move(sample, image, dx, dy, flip, a.FillValue);
            }
            if (a.NoiseStandardDeviation > 0f) AddNoise(sample, a.NoiseStandardDeviation, ref s);
        }
        State = s;
    }

    // out(c, y, x) = in(c, y − dy, x' − dx) where x' = flip ? W − 1 − x : x; outside the image: the fill value.
    private void Move(Span<float> sample, ImageShape image, int dx, int dy, bool flip, float fill)
    {
        Span<float> result = _scratch;
        int h = image.Height, w = image.Width, plane = h * w;
        for (int c = 0; c < image.Channels; c++)
        {
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                Span<float> row = result.Slice(c * plane + y * w, w);
                if ((uint)sy >= (uint)h)
                {
                    row.Fill(fill);
                    continue;
                }
                ReadOnlySpan<float> source = sample.Slice(c * plane + sy * w, w);
                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) - dx;
                    row[x] = (uint)sx < (uint)w ? source[sx] : fill;
                }
            }
        }
        result.CopyTo(sample);
    }

    // Box–Muller: each pair of uniforms gives two independent standard normal values.
    private static void AddNoise(Span<float> sample, float deviation, ref ulong s)
    {
        for (int i = 0; i < sample.Length; i += 2)
        {
            double u1 = 1.0 - Kernels.DropoutKernels.NextUniform(ref s);   // (0, 1]
            double u2 = Kernels.DropoutKernels.NextUniform(ref s);
            double radius = Math.Sqrt(-2.0 * Math.Log(u1)) * deviation;
            double angle = 2.0 * Math.PI * u2;
            sample[i] += (float)(radius * Math.Cos(angle));
            if (i + 1 < sample.Length) sample[i + 1] += (float)(radius * Math.Sin(angle));
        }
    }
}
