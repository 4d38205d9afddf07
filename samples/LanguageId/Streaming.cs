using System;
using System.Collections.Generic;
using System.Diagnostics;
using StaticNet.Optimizers;

namespace LanguageId;

/// <summary>
/// Part 2: a tiny causal character model per language learns which letter follows (start token, then the word, then
/// id 0 for its end), then streams made-up words with <c>Step</c>, one sampled letter at a time.
/// </summary>
internal static class Streaming
{
    /// <summary>Trains one <see cref="CharModel"/> for each of <paramref name="languages"/> and prints a few made-up words; false if <c>Step</c> disagrees with <c>Forward</c> or the model learned nothing.</summary>
    public static bool Run(Words.Data data, int[] languages, int epochs, int seed)
    {
        const int T = Words.Length, V = Words.Vocabulary;
        var ids = new Dictionary<char, int>();
        for (int i = 0; i < data.Alphabet.Length; i++) ids[data.Alphabet[i]] = i + 2;
        bool passed = true;
        foreach (int language in languages)
        {
            // Input: start, w0 … w(n−1), padding; labels: w0 … w(n−1), 0 (end), then 0 (padding). Words of up to 15 letters.
            var words = Array.FindAll(data.TrainWords[language], w => w.Length < T);
            var inputs = new int[words.Length * T];
            var labels = new int[words.Length * T];
            for (int i = 0; i < words.Length; i++)
            {
                inputs[i * T] = Words.Start;
                for (int c = 0; c < words[i].Length; c++)
                {
                    int id = ids.TryGetValue(words[i][c], out int v) ? v : 1;
                    labels[i * T + c] = id;
                    inputs[i * T + c + 1] = id;
                }
            }

            var model = new CharModel(seed + language);
            var adam = new Adam(3e-3f) { MaxGradientNorm = 1f };
            const int Batch = 32;
            int batches = words.Length / Batch;
            var order = new int[batches];
            for (int b = 0; b < batches; b++) order[b] = b;
            var random = new Random(seed + 100 + language);
            var clock = Stopwatch.StartNew();
            float initial = model.ComputeLoss(inputs.AsSpan(0, Batch * T), labels.AsSpan(0, Batch * T)), last = 0;
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                random.Shuffle(order);
                double sum = 0;
                foreach (int b in order)
                    sum += model.TrainStep(inputs.AsSpan(b * Batch * T, Batch * T), labels.AsSpan(b * Batch * T, Batch * T), adam);
                last = (float)(sum / batches);
            }

            // Step equals Forward: stream a training word and compare every step with the full window's output.
            var window = new float[T * V];
            var step = new float[V];
            model.Forward(inputs.AsSpan(0, T), window);
            model.ResetState();
            double worst = 0;
            for (int t = 0; t < T; t++)
            {
                model.Step(inputs[t], step);
                for (int k = 0; k < V; k++) worst = Math.Max(worst, Math.Abs(step[k] - window[t * V + k]));
            }

            // Made-up words: sample each letter from the softmax (temperature 0.8), stop at the end id.
            var made = new List<string>();
            var text = new System.Text.StringBuilder();
            for (int n = 0; n < 8; n++)
            {
                model.ResetState();
                text.Clear();
                int token = Words.Start;
                for (int t = 0; t < T - 1; t++)
                {
                    model.Step(token, step);
                    token = Sample(step, 0.8f, random);
                    if (token == 0) break;
                    text.Append(token >= 2 && token - 2 < data.Alphabet.Length ? data.Alphabet[token - 2] : '?');
                }
                made.Add(text.ToString());
            }

            bool ok = worst <= 1e-4 && last < 0.8 * initial;
            passed &= ok;
            Console.WriteLine($"   {Words.Lists[language].Name}: {words.Length:N0} words, {epochs} epochs in {clock.Elapsed.TotalSeconds:F1} s, loss per position (padding included) {initial:F2} → {last:F2}; " +
                              $"Step vs Forward max |Δ| {worst:E1}{(ok ? "" : "  FAILED")}");
            Console.WriteLine($"     made up: {string.Join(", ", made)}");
        }
        return passed;
    }

    private static int Sample(ReadOnlySpan<float> scores, float temperature, Random random)
    {
        float max = float.NegativeInfinity;
        for (int k = 0; k < scores.Length; k++) max = Math.Max(max, scores[k]);
        double total = 0;
        for (int k = 0; k < scores.Length; k++) total += Math.Exp((scores[k] - max) / temperature);
        double u = random.NextDouble() * total;
        for (int k = 0; k < scores.Length; k++)
        {
            u -= Math.Exp((scores[k] - max) / temperature);
            if (u <= 0) return k;
        }
        return scores.Length - 1;
    }
}
