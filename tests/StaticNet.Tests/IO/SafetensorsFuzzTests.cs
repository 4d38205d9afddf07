using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using StaticNet;
using StaticNet.IO;
using Xunit;
using Xunit.Abstractions;
using static StaticNet.Tests.IO.SafetensorsTestData;

namespace StaticNet.Tests.IO;

/// <summary>
/// Mutation fuzzing of the safetensors reader with fixed seeds: bit flips, byte insertions, deletions and overwrites,
/// truncations, appended bytes, a wrong length prefix, and header edits (offsets shifted, names duplicated or emptied,
/// ranges made to overlap, dtypes and shapes changed). Every outcome must be a successful load or a
/// <see cref="SafetensorsFormatException"/>, the same on every read path (with the same weights when it loads), and a failed load must leave the weights
/// bit-identical. <c>STATICNET_FUZZ_ITERATIONS</c> raises the number of mutations (default 3,000 per test, a few seconds).
/// </summary>
public class SafetensorsFuzzTests(ITestOutputHelper output)
{
    internal static int Iterations(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("STATICNET_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : defaultCount;

    /// <summary>Valid files to mutate: the test layout, the same with metadata, and one with several dtypes and an empty tensor.</summary>
    private static byte[][] Seeds()
    {
        using var withMetadata = new MemoryStream();
        Safetensors.Save(withMetadata, Layout(), Parameters(7), new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünï \"q\"" });
        string mixed = "{" + string.Join(",",
            "\"fc1.bias\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}",
            "\"fc2.bias\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}",
            "\"fc1.weight\":{\"dtype\":\"F64\",\"shape\":[3,4],\"data_offsets\":[10,106]}",
            "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[106,130]}",
            "\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[130,138]}",
            "\"empty\":{\"dtype\":\"U8\",\"shape\":[0,4],\"data_offsets\":[138,138]}",
            "\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[138,140]}") + "}";
        var body = new byte[140];
        new Random(3).NextBytes(body);
        for (int i = 0; i < 5; i++) BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2 * i), 0x3C00);   // 1.0 in F16 and a BF16 tiny
        return [SavedLayout(1), withMetadata.ToArray(), Raw(mixed, body)];
    }

    private static readonly Regex Numbers = new(@"\d+", RegexOptions.Compiled);
    private static readonly Regex Strings = new("\"[^\"]*\"", RegexOptions.Compiled);

    /// <summary>One random mutation of <paramref name="file"/>.</summary>
    /// <param name="file">The file to mutate.</param>
    /// <param name="random">The source of the mutation.</param>
    /// <param name="kind">What was done, for messages.</param>
    /// <param name="safetensors">Whether the file is safetensors (then the length prefix and the JSON header are edited too); otherwise only byte-level mutations.</param>
    internal static byte[] Mutate(byte[] file, Random random, out string kind, bool safetensors = true)
    {
        byte[] m;
        if (file.Length == 0)
        {
            kind = "byte insertion";
            return [(byte)random.Next(256)];
        }
        switch (random.Next(safetensors ? 12 : 6))
        {
            case 0:
                kind = "bit flips";
                m = (byte[])file.Clone();
                for (int i = random.Next(1, 5); i > 0; i--) m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                return m;
            case 1:
                kind = "byte overwrite";
                m = (byte[])file.Clone();
                m[random.Next(m.Length)] = (byte)random.Next(256);
                return m;
            case 2:
                kind = "byte insertion";
                int at = random.Next(file.Length + 1);
                return [.. file.AsSpan(0, at), (byte)random.Next(256), .. file.AsSpan(at)];
            case 3:
                kind = "byte deletion";
                int del = random.Next(file.Length);
                return [.. file.AsSpan(0, del), .. file.AsSpan(del + 1)];
            case 4:
                kind = "truncation";
                return file[..random.Next(file.Length)];
            case 5:
                kind = "appended bytes";
                return [.. file, .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))];
            case 6:
                kind = "length prefix";
                m = (byte[])file.Clone();
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(m);
                ulong[] choices = [length + 1, length - 1, length + (ulong)random.Next(1, 200), length - (ulong)random.Next(1, 50), 0, 1, 2, ulong.MaxValue, 100_000_001, (ulong)m.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(m, choices[random.Next(choices.Length)]);
                return m;
            default:
                return EditHeader(file, random, out kind);
        }
    }

    /// <summary>An edit of the JSON header text, keeping the length prefix right (or, now and then, not).</summary>
    private static byte[] EditHeader(byte[] file, Random random, out string kind)
    {
        (ulong length, string json) = Header(file);
        byte[] body = file.AsSpan(8 + (int)length).ToArray();
        MatchCollection numbers = Numbers.Matches(json);
        MatchCollection strings = Strings.Matches(json);
        string edited;
        switch (random.Next(7))
        {
            case 5:
            case 6:
            {
                // Both ends of one tensor's range move together: the sizes still agree, the tiling does not.
                kind = "header: range shifted";
                Match[] ranges = Regex.Matches(json, @"\[(\d+),(\d+)\]").Cast<Match>().ToArray();
                if (ranges.Length == 0) goto default;
                Match r = ranges[random.Next(ranges.Length)];
                long shift = random.Next(-12, 13) * (random.Next(2) == 0 ? 1 : 4);
                long begin = Math.Max(0, long.Parse(r.Groups[1].Value) + shift), end = begin + long.Parse(r.Groups[2].Value) - long.Parse(r.Groups[1].Value);
                edited = json[..r.Index] + $"[{begin},{end}]" + json[(r.Index + r.Length)..];
                break;
            }
            case 0:
            {
                kind = "header: number shifted";
                Match n = numbers[random.Next(numbers.Count)];
                long value = long.Parse(n.Value) + random.Next(-9, 10) * (random.Next(2) == 0 ? 1 : 4);
                edited = json[..n.Index] + Math.Max(0, value) + json[(n.Index + n.Length)..];
                break;
            }
            case 1:
            {
                kind = "header: number replaced";
                Match n = numbers[random.Next(numbers.Count)];
                string[] values = ["0", "1", "4294967296", "9223372036854775807", "9223372036854775808", "2147483647", "-1", "1.5", "1e3", n.Value + n.Value];
                edited = json[..n.Index] + values[random.Next(values.Length)] + json[(n.Index + n.Length)..];
                break;
            }
            case 2:
            {
                kind = "header: string replaced";
                Match s = strings[random.Next(strings.Count)];
                Match other = strings[random.Next(strings.Count)];
                string[] values = [other.Value, "\"\"", "\"__metadata__\"", "\"F32\"", "\"F4\"", "\"X9\"", "\"data_offsets\"", "\"a\\u0000b\"", "\"\\ud800\"", "1", "null", "[]", "{}"];
                edited = json[..s.Index] + values[random.Next(values.Length)] + json[(s.Index + s.Length)..];
                break;
            }
            case 3:
            {
                kind = "header: offsets swapped";
                Match[] offsets = Regex.Matches(json, @"\[\d+,\d+\]").Cast<Match>().ToArray();
                if (offsets.Length < 2) goto default;
                Match a = offsets[random.Next(offsets.Length)], b = offsets[random.Next(offsets.Length)];
                if (a.Index > b.Index) (a, b) = (b, a);
                edited = a.Index == b.Index ? json : json[..a.Index] + b.Value + json[(a.Index + a.Length)..b.Index] + a.Value + json[(b.Index + b.Length)..];
                break;
            }
            default:
            {
                kind = "header: characters";
                var chars = json.ToCharArray().ToList();
                int i = random.Next(chars.Count);
                char[] symbols = ['{', '}', '[', ']', ',', ':', '"', ' ', '\\', '0', 'e', '-'];
                if (random.Next(2) == 0) chars.Insert(i, symbols[random.Next(symbols.Length)]);
                else chars.RemoveAt(i);
                edited = new string(chars.ToArray());
                break;
            }
        }
        byte[] header = Encoding.UTF8.GetBytes(edited);
        return Raw(header, body, random.Next(10) == 0 ? length : null);
    }

    /// <summary>Outcome counts by exception type, and by a short description of the message.</summary>
    internal sealed class Tally
    {
        public int Count;
        public readonly SortedDictionary<string, int> ByOutcome = new(StringComparer.Ordinal);
        public void Add(string outcome) { Count++; ByOutcome[outcome] = ByOutcome.GetValueOrDefault(outcome) + 1; }
        public override string ToString() => string.Join(Environment.NewLine, ByOutcome.OrderByDescending(p => p.Value).Select(p => $"{p.Value,9}  {p.Key}"));
    }

    /// <summary>A short category of a format error, for the tally.</summary>
    private static string Category(string message)
    {
        string[] keys = ["not valid JSON", "not a JSON object", "overlap", "no hole", "no trailing bytes", "tensor data is truncated", "header is truncated",
            "header length", "stream ends after", "lacks", "Missing tensors", "Unexpected tensors", "expected shape", "expected dtype", "empty name", "two entries", "non-negative integers",
            "not a whole number of bytes", "needs", "expected [begin, end]", "safetensors dtype", "too large", "cannot convert", "must be", "ends too early", "content after"];
        foreach (string key in keys)
            if (message.Contains(key, StringComparison.Ordinal)) return "SafetensorsFormatException: " + key;
        return "SafetensorsFormatException: other: " + message[..Math.Min(80, message.Length)];
    }

    private static readonly SafetensorsLoadOptions Strict = new();
    private static readonly SafetensorsLoadOptions NonStrict = new() { Strict = false };

    /// <summary>Loads <paramref name="file"/> by one path into a sentinel buffer; returns null on success or the exception.</summary>
    private static Exception? TryLoad(byte[] file, int path, float[] parameters, SafetensorsLoadOptions? options = null)
    {
        try
        {
            switch (path)
            {
                case 0: Safetensors.Load(new MemoryStream(file), Layout(), parameters, options ?? NonStrict); break;
                case 1: Safetensors.Load(file, Layout(), parameters, options ?? NonStrict); break;
                case 2: Safetensors.Load(new TrickleStream(file), Layout(), parameters, options ?? NonStrict); break;
                default: Safetensors.Read(new MemoryStream(file)); break;
            }
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public void Mutations_EitherLoadOrThrowSafetensorsFormatException_AndAFailedLoadChangesNothing()
    {
        int iterations = Iterations(3_000);
        var tally = new Tally();
        var stopwatch = Stopwatch.StartNew();
        byte[][] seeds = Seeds();
        foreach (byte[] seed in seeds)
            Assert.Null(TryLoad(seed, 0, new float[LayoutLength], NonStrict));

        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var random = new Random(iteration);
            byte[] file = Mutate(seeds[iteration % seeds.Length], random, out string kind);
            bool? loaded = null;
            float[]? first = null;
            // Every other mutation loads strictly (the default), the rest not (so that the seed with extra tensors loads).
            SafetensorsLoadOptions options = iteration % 2 == 0 ? Strict : NonStrict;
            for (int path = 0; path < 3; path++)
            {
                if (path == 2 && iteration % 8 != 0) continue;   // the trickle stream is slow; every 8th mutation
                float[] parameters = Sentinel();
                Exception? error = TryLoad(file, path, parameters, options);
                string where = $"Mutation {iteration} ({kind}), path {path}";
                if (error is not null and not SafetensorsFormatException)
                    Assert.Fail($"{where}: {error.GetType().Name}: {error}");
                if (error is not null)
                    Assert.True(BitEqual(Sentinel(), parameters), $"{where}: a failed load changed the parameters ({error.Message}).");
                Assert.True(loaded is null || loaded == (error is null), $"{where}: the read paths disagree ({error?.Message ?? "loaded"}).");
                loaded = error is null;
                if (error is null)
                {
                    Assert.True(first is null || BitEqual(first, parameters), $"{where}: the read paths loaded different weights.");
                    first ??= parameters;
                }
                if (path == 0)
                    tally.Add(error is null ? "loaded" : Category(error.Message));
            }
            Exception? read = TryLoad(file, 3, new float[LayoutLength]);
            if (read is not null and not SafetensorsFormatException)
                Assert.Fail($"Mutation {iteration} ({kind}), Read: {read.GetType().Name}: {read}");
        }

        output.WriteLine($"{tally.Count} mutations in {stopwatch.Elapsed.TotalSeconds:F1} s:{Environment.NewLine}{tally}");
        Assert.True(tally.ByOutcome.GetValueOrDefault("loaded") > 0, "No mutation loaded: the fuzz test is not reaching the valid paths.");
        Assert.True(tally.ByOutcome.Count > 10, $"Too few kinds of outcome:{Environment.NewLine}{tally}");
    }
}
