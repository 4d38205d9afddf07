using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Data;
using StaticNet.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Data;

/// <summary>
/// Mutation fuzzing of the IDX and CSV loaders, plain and gzip, with fixed seeds: every outcome is a successful load or
/// an <see cref="InvalidDataException"/> (the documented type, also for corrupt gzip data), and nothing allocates far
/// beyond the input's size. <c>STATICNET_FUZZ_ITERATIONS</c> raises the count (default 5,000 per test, a fraction of a second each).
/// </summary>
public class LoaderFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[] Images =
        new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3 }
            .Concat(Enumerable.Range(0, 18).Select(i => (byte)(i * 13))).ToArray();

    private static readonly byte[] Labels = { 0, 0, 8, 1, 0, 0, 0, 5, 2, 0, 1, 9, 4 };

    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("0.5,1,2e-3,3\n4,-2,0,0\n16,16,16,2\n\n1,2,3,1.0\n");

    private static readonly byte[] CsvWithHeader = Encoding.UTF8.GetBytes("a;b;label\n1;2;0\n3;4;1\n");

    /// <summary>
    /// Runs <paramref name="load"/> on mutations of <paramref name="seeds"/> (and of their gzip forms), checking the
    /// outcome type and the bytes allocated (at most a fixed slack plus a multiple of the data, decompressed).
    /// </summary>
    private void Fuzz(string name, byte[][] seeds, Func<Stream, object> load)
    {
        int iterations = SafetensorsFuzzTests.Iterations(5_000);
        var tally = new SafetensorsFuzzTests.Tally();
        var stopwatch = Stopwatch.StartNew();
        foreach (byte[] seed in seeds)
            load(new MemoryStream(seed));

        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var random = new Random(iteration);
            byte[] seed = seeds[iteration % seeds.Length];
            bool gzip = iteration % 3 == 0;
            byte[] file = Mutate(gzip ? TempDirectory.Gzip(seed) : seed, random, out string kind);
            if (random.Next(4) == 0 && !gzip)
                file = TempDirectory.Gzip(file);   // a mutated file, compressed: the gzip path sees the same damage
            Stream stream = iteration % 2 == 0 ? new MemoryStream(file) : new NonSeekableStream(file);

            long before = GC.GetAllocatedBytesForCurrentThread();
            string outcome;
            try
            {
                load(stream);
                outcome = "loaded";
            }
            catch (InvalidDataException e)
            {
                outcome = "InvalidDataException: " + Category(e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"{name} mutation {iteration} ({kind}, gzip {gzip}): {e.GetType().Name}: {e}");
                return;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 2_000_000 + 64L * file.Length, $"{name} mutation {iteration} ({kind}): allocated {allocated} bytes for a {file.Length}-byte input.");
            tally.Add(outcome);
        }
        output.WriteLine($"{name}: {tally.Count} mutations in {stopwatch.Elapsed.TotalSeconds:F1} s:{Environment.NewLine}{tally}");
        Assert.True(tally.ByOutcome.GetValueOrDefault("loaded") > 0, "No mutation loaded.");
    }

    /// <summary>A byte-level mutation, or (for an IDX file) one of its 32-bit sizes replaced.</summary>
    private static byte[] Mutate(byte[] file, Random random, out string kind)
    {
        if (file.Length >= 8 && file[0] == 0 && file[1] == 0 && random.Next(4) == 0)
        {
            kind = "IDX size replaced";
            byte[] m = (byte[])file.Clone();
            int dimensions = Math.Min(m[3], (m.Length - 4) / 4);
            if (dimensions == 0) return m;
            int[] values = [0, 1, 2, -1, int.MaxValue, int.MinValue, 46340, 1 << 20, random.Next(), random.Next(0, 40)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4 + 4 * random.Next(dimensions)), values[random.Next(values.Length)]);
            return m;
        }
        return SafetensorsFuzzTests.Mutate(file, random, out kind, safetensors: false);
    }

    private static string Category(string message)
    {
        string[] keys = ["gzip data is corrupt", "magic number", "truncated", "expected the file to end", "to be ≥ 0", "to be > 0", "fit in one array", "expected a number",
            "class label in [0, 1024)", "class label in", "class label (an integer", "columns", "at least one data line", "at least 2 columns"];
        foreach (string key in keys)
            if (message.Contains(key, StringComparison.Ordinal)) return key;
        return "other: " + message[..Math.Min(80, message.Length)];
    }

    [Fact]
    public void IdxImages_Mutations_LoadOrThrowInvalidDataException() =>
        Fuzz("IDX images", [Images], s => IdxReader.ReadImages(s));

    [Fact]
    public void IdxLabels_Mutations_LoadOrThrowInvalidDataException() =>
        Fuzz("IDX labels", [Labels], s => IdxReader.ReadLabels(s));

    [Fact]
    public void Csv_Mutations_LoadOrThrowInvalidDataException() =>
        Fuzz("CSV", [Csv], s => CsvLoader.Load(s));

    [Fact]
    public void CsvWithAHeaderAndOptions_Mutations_LoadOrThrowInvalidDataException() =>
        Fuzz("CSV with options", [CsvWithHeader], s => CsvLoader.Load(s, new CsvOptions { HasHeader = true, Delimiter = ';', FeatureScale = 0.5f, ClassCount = 3 }));
}
