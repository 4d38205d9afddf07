using System;
using System.Diagnostics;
using StaticNet.Optimizers;

namespace Sequences;

/// <summary>
/// Part 1: learn an audio effect with memory from examples, then run it sample by sample as a real-time plug-in would.
/// </summary>
internal static class AudioEffect
{
    private const int Batch = 32, T = EffectNet.Window;

    public static bool Run(int seed, int steps)
    {
        Console.WriteLine("1. An audio effect with memory, learnt from examples and streamed at 48 kHz");
        Console.WriteLine($"   effect: s[n] = s[n−1] + {FeedbackEffect.Smoothing}·(y[n−1] − s[n−1]),  y[n] = tanh({FeedbackEffect.Drive}·(x[n] + {FeedbackEffect.Feedback}·s[n]))");
        var network = new EffectNet(seed);
        Console.WriteLine($"   {nameof(EffectNet)}: [{T} steps, 1] → LSTM(32) every step → Dense(1), {EffectNet.ParameterCount:N0} parameters");

        // Training audio: 20 s of chirps, noise bursts and sines. Each example is a window of T samples and the effect
        // applied to that window from silence, because the network also starts every window from a zero state.
        var random = new Random(seed);
        float[] audio = new float[20 * Signals.SampleRate];
        Signals.Mixture(audio, random);
        float[] inputs = new float[Batch * T], targets = new float[Batch * T];

        var adam = new Adam(3e-3f) { MaxGradientNorm = 1f };
        Console.WriteLine($"   training: {steps:N0} steps of Adam (3e-3, cosine to 0, gradient norm ≤ 1), batches of {Batch} random windows of {T} samples from {audio.Length / Signals.SampleRate} s of audio");
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        int report = Math.Max(1, steps / 8);
        for (int step = 1; step <= steps; step++)
        {
            for (int b = 0; b < Batch; b++)
            {
                int start = random.Next(audio.Length - T);
                ReadOnlySpan<float> x = audio.AsSpan(start, T);
                x.CopyTo(inputs.AsSpan(b * T, T));
                new FeedbackEffect().Process(x, targets.AsSpan(b * T, T));
            }
            adam.LearningRate = 3e-3f * 0.5f * (1f + MathF.Cos(MathF.PI * (step - 1) / steps));
            lossSum += network.TrainStep(inputs, targets, adam);
            if (step % report == 0)
            {
                Console.WriteLine($"   step {step,6:N0}/{steps:N0}  mean loss {lossSum / report:F6}  {clock.Elapsed.TotalSeconds,5:F1} s");
                lossSum = 0;
            }
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"   trained in {trainSeconds:F1} s ({trainSeconds * 1e3 / steps:F2} ms per step of {Batch}×{T} samples)");

        // Held-out audio (another seed), 3 s, with the true effect running continuously from silence.
        float[] test = new float[3 * Signals.SampleRate], expected = new float[test.Length], output = new float[test.Length];
        Signals.Mixture(test, new Random(seed + 1_000));
        new FeedbackEffect().Process(test, expected);

        // Streaming: one Step per sample.
        (double nanoseconds, long allocated) = Time(Stream, network, test, output);

        // Errors after a 50 ms warm-up (the network's state and the effect's state have met by then).
        int warmUp = Signals.SampleRate / 20;
        double signal = 0, networkError = 0, baselineError = 0;
        for (int n = warmUp; n < test.Length; n++)
        {
            double y = expected[n];
            signal += y * y;
            networkError += Square(output[n] - y);
            baselineError += Square(FeedbackEffect.Memoryless(test[n]) - y);
        }
        int counted = test.Length - warmUp;
        double networkDb = 10 * Math.Log10(networkError / signal), baselineDb = 10 * Math.Log10(baselineError / signal);
        Console.WriteLine($"   streaming {test.Length / Signals.SampleRate} s of held-out audio with Step, error after {warmUp * 1000 / Signals.SampleRate} ms of warm-up (error energy / signal energy):");
        Console.WriteLine($"     network                         RMS error {Math.Sqrt(networkError / counted):F4}  {networkDb,6:F1} dB");
        Console.WriteLine($"     memoryless tanh({FeedbackEffect.Drive}·x) baseline  RMS error {Math.Sqrt(baselineError / counted):F4}  {baselineDb,6:F1} dB");
        Console.WriteLine($"   Step: {nanoseconds:F0} ns per sample (median of 5 passes), {1e9 / nanoseconds / Signals.SampleRate:F0}× real time at 48 kHz, {allocated} bytes allocated by {TimedPasses * test.Length:N0} steps");

        // As an audio callback runs it: StepBlock over each buffer of 64 samples (1.3 ms), timed the same way. The same
        // outputs as Step, bit for bit.
        float[] blockOutput = new float[test.Length];
        (double blockNanoseconds, long blockAllocated) = Time(StreamBlocks, network, test, blockOutput);
        bool same = output.AsSpan().SequenceEqual(blockOutput);
        Console.WriteLine($"   StepBlock, {BlockLength}-sample buffers: {blockNanoseconds:F0} ns per sample, {1e9 / blockNanoseconds / Signals.SampleRate:F0}× real time at 48 kHz, {blockAllocated} bytes allocated; output {(same ? "identical to Step's" : "DIFFERENT from Step's")}");

        // The bar: at least 10 dB less error than the memoryless curve, and nothing allocated while streaming.
        bool passed = networkDb <= baselineDb - 10 && allocated == 0 && blockAllocated == 0 && same;
        Console.WriteLine(passed
            ? $"   passed: {baselineDb - networkDb:F1} dB below the baseline (≥ 10 dB required), no allocation"
            : $"   FAILED: {baselineDb - networkDb:F1} dB below the baseline (≥ 10 dB required), {allocated + blockAllocated} bytes allocated" +
              (same ? "" : ", StepBlock's output differs from Step's"));
        Console.WriteLine();
        return passed;
    }

    private delegate void Streamer(EffectNet network, ReadOnlySpan<float> input, Span<float> output);

    private const int TimedPasses = 5;

    /// <summary>
    /// Nanoseconds per sample of a streaming loop over the whole signal and the bytes it allocated: two passes to warm up,
    /// with a pause between them so that the runtime's background tier-up of the loop has finished, then the median of
    /// five timed passes, each from a reset state; the allocation counter brackets the timed passes.
    /// </summary>
    private static (double Nanoseconds, long Allocated) Time(Streamer stream, EffectNet network, float[] input, float[] output)
    {
        stream(network, input, output);
        System.Threading.Thread.Sleep(200);
        stream(network, input, output);
        var rounds = new double[TimedPasses];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < rounds.Length; round++)
        {
            long start = Stopwatch.GetTimestamp();
            stream(network, input, output);
            rounds[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / input.Length;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Array.Sort(rounds);
        return (rounds[rounds.Length / 2], allocated);
    }

    /// <summary>The real-time loop: one sample in, one sample out, state carried from call to call.</summary>
    private static void Stream(EffectNet network, ReadOnlySpan<float> input, Span<float> output)
    {
        network.ResetState();
        for (int n = 0; n < input.Length; n++)
            network.Step(input.Slice(n, 1), output.Slice(n, 1));
    }

    /// <summary>Samples per audio callback in the block loop (1.3 ms at 48 kHz).</summary>
    private const int BlockLength = 64;

    /// <summary>The real-time loop of an audio callback: one StepBlock per buffer, state carried from buffer to buffer.</summary>
    private static void StreamBlocks(EffectNet network, ReadOnlySpan<float> input, Span<float> output)
    {
        network.ResetState();
        for (int n = 0; n < input.Length; n += BlockLength)
        {
            int length = Math.Min(BlockLength, input.Length - n);
            network.StepBlock(input.Slice(n, length), output.Slice(n, length));
        }
    }

    private static double Square(double v) => v * v;
}
