using System;

namespace Sequences;

/// <summary>
/// Seeded test signals at 48 kHz (chirps, noise bursts, sines) and the effect the network learns. Everything comes from
/// <see cref="Random"/> with a fixed seed, so a seed gives the same audio on every run.
/// </summary>
internal static class Signals
{
    public const int SampleRate = 48_000;

    /// <summary>
    /// Fills <paramref name="x"/> with back-to-back segments of 20–120 ms, each one of: an exponential chirp between
    /// 40 Hz and 8 kHz, a burst of white noise under a decaying envelope, or a sine of 40 Hz – 5 kHz; amplitudes 0.05–1.
    /// </summary>
    public static void Mixture(Span<float> x, Random random)
    {
        int n = 0;
        while (n < x.Length)
        {
            int length = Math.Min(x.Length - n, (int)(SampleRate * (0.02 + 0.1 * random.NextDouble())));
            double amplitude = 0.05 + 0.95 * random.NextDouble();
            Span<float> segment = x.Slice(n, length);
            switch (random.Next(3))
            {
                case 0: Chirp(segment, LogUniform(random, 40, 8000), LogUniform(random, 40, 8000), amplitude); break;
                case 1: NoiseBurst(segment, random, amplitude, decay: LogUniform(random, 0.002, 0.05)); break;
                default: Sine(segment, LogUniform(random, 40, 5000), random.NextDouble() * 2 * Math.PI, amplitude); break;
            }
            n += length;
        }
    }

    private static double LogUniform(Random random, double low, double high) => low * Math.Pow(high / low, random.NextDouble());

    /// <summary>An exponential sweep from f0 to f1 Hz over the span.</summary>
    private static void Chirp(Span<float> x, double f0, double f1, double amplitude)
    {
        double phase = 0, ratio = Math.Pow(f1 / f0, 1.0 / x.Length);
        double f = f0;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(amplitude * Math.Sin(phase));
            phase += 2 * Math.PI * f / SampleRate;
            f *= ratio;
        }
    }

    /// <summary>Uniform white noise under an exponential envelope with the given time constant in seconds.</summary>
    private static void NoiseBurst(Span<float> x, Random random, double amplitude, double decay)
    {
        double envelope = amplitude, factor = Math.Exp(-1.0 / (decay * SampleRate));
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(envelope * (2 * random.NextDouble() - 1));
            envelope *= factor;
        }
    }

    private static void Sine(Span<float> x, double frequency, double phase, double amplitude)
    {
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(amplitude * Math.Sin(phase + 2 * Math.PI * frequency * i / SampleRate));
    }
}

/// <summary>
/// A saturating drive stage with feedback through a tone control: the output goes through a one-pole low-pass (cut-off
/// about 1.7 kHz at 48 kHz) and is added back to the input before the tanh,
/// <c>s[n] = s[n−1] + c·(y[n−1] − s[n−1])</c>, <c>y[n] = tanh(g·(x[n] + a·s[n]))</c>, with g = 2, a = 0.4, c = 0.2.
/// The loop gain g·a = 0.8 stays below 1 (no latching); for small signals the memory decays over about 25 samples,
/// so the output depends on the recent past and no memoryless curve reproduces it.
/// </summary>
internal struct FeedbackEffect
{
    public const float Drive = 2f, Feedback = 0.4f, Smoothing = 0.2f;
    private float _y, _s;

    public float Process(float x)
    {
        _s += Smoothing * (_y - _s);
        _y = MathF.Tanh(Drive * (x + Feedback * _s));
        return _y;
    }

    /// <summary>Runs the effect over a whole signal from its current state.</summary>
    public void Process(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Process(x[i]);
    }

    /// <summary>The memoryless baseline: the same drive stage without the feedback path.</summary>
    public static float Memoryless(float x) => MathF.Tanh(Drive * x);
}
