using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using StaticNet.Data;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Data;

/// <summary>
/// The loaders allocate in proportion to the bytes actually present, never to what a header or a label claims, and
/// every failure is a documented exception whose message gives the line (CSV) or byte offset (IDX). These are the
/// reproductions of issue 16.
/// </summary>
public sealed class LoaderBoundsTests : IDisposable
{
    private const long OneMegabyte = 1 << 20;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The bytes the current thread allocates in <paramref name="action"/> (run once before, to warm up).</summary>
    private static long Allocated(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static T Throws<T>(Func<object> load, out long allocated) where T : Exception
    {
        T? caught = null;
        allocated = Allocated(() => caught = Assert.Throws<T>(load));
        return caught!;
    }

    [Theory]
    [InlineData("100000000")]
    [InlineData("2000000000")]
    [InlineData("2147483647")]
    [InlineData("1e300")]
    public void CsvLabel_TooLargeToInferAClassCount_IsAnErrorOnItsLine_AllocatingLittle(string label)
    {
        string csv = "0.5,1\n0.25," + label + "\n";

        var e = Throws<InvalidDataException>(() => CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(csv))), out long allocated);

        Assert.StartsWith($"CSV data, line 2, column 2: expected a class label in [0, 1024) when the class count is inferred; found {label}. Set CsvOptions.ClassCount", e.Message);
        Assert.True(allocated < OneMegabyte, $"Allocated {allocated} bytes.");
    }

    [Fact]
    public void CsvLabel_AboveTheIntRange_IsAnErrorOnItsLine()
    {
        var e = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("1,0\n2,3000000000\n")), new CsvOptions { ClassCount = 10 }));

        Assert.Equal("CSV data, line 2, column 2: expected a class label in [0, 10); found 3000000000.", e.Message);
    }

    [Fact]
    public void CsvLargeLabels_LoadWithAnExplicitClassCount()
    {
        Dataset data = CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("1,0\n2,4999\n")), new CsvOptions { ClassCount = 5000 });

        Assert.Equal((2, 5000), (data.Count, data.OutputSize));
        Assert.Equal(new[] { 0, 4999 }, data.Labels.ToArray());
    }

    [Fact]
    public void CsvInferredClassCount_UpToTheLimit_Loads()
    {
        Dataset data = CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("1,0\n2,1023\n")));

        Assert.Equal(CsvLoader.MaxInferredClassCount, data.OutputSize);
    }

    [Fact]
    public void CsvExplicitClassCount_WhoseTargetsCannotFitInAnArray_IsAnArgumentException_NotOverflow()
    {
        var e = Assert.Throws<ArgumentException>(() => CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("1,0\n2,1\n")), new CsvOptions { ClassCount = int.MaxValue }));

        Assert.Contains("2 rows × ClassCount 2147483647 one-hot targets = 4294967294 floats do not fit in one array", e.Message);
    }

    [Fact]
    public void CsvHugeField_IsShortenedInTheMessage()
    {
        string field = new('x', 100_000);
        var e = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("1,0\n" + field + ",1\n"))));

        Assert.True(e.Message.Length < 300, e.Message);
        Assert.Contains("line 2, column 1: expected a number; found 'xxxx", e.Message);
        Assert.Contains("(100000 characters)", e.Message);
    }

    /// <summary>An IDX header: magic 00 00 08 n, then the sizes, big-endian.</summary>
    private static byte[] IdxHeader(params int[] sizes)
    {
        var bytes = new byte[4 + 4 * sizes.Length];
        bytes[2] = 8;
        bytes[3] = (byte)sizes.Length;
        for (int i = 0; i < sizes.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), sizes[i]);
        return bytes;
    }

    public static TheoryData<string> Sources() => new() { "memory", "file", "gzip file", "non-seekable", "non-seekable gzip" };

    private Func<Stream> Open(byte[] content, string source) => source switch
    {
        "memory" => () => new MemoryStream(content),
        "file" => Path(content, gzip: false),
        "gzip file" => Path(content, gzip: true),
        "non-seekable" => () => new NonSeekableStream(content),
        _ => () => new NonSeekableStream(TempDirectory.Gzip(content)),
    };

    private Func<Stream> Path(byte[] content, bool gzip)
    {
        string path = _temp.Write(Guid.NewGuid().ToString("N"), content, gzip);
        return () => File.OpenRead(path);
    }

    [Theory, MemberData(nameof(Sources))]
    public void IdxLabels_DeclaringTwoToThe31MinusOneItems_InEightBytes_AreTruncated_BeforeAllocating(string source)
    {
        Func<Stream> open = Open(IdxHeader(int.MaxValue), source);

        var e = Throws<InvalidDataException>(() => { using Stream s = open(); return IdxReader.ReadLabels(s); }, out long allocated);

        Assert.Equal("IDX labels, byte 8: the file is truncated: the header declares 2147483647 labels, 2147483647 bytes of data after the 8-byte header; the file holds 0.", e.Message);
        Assert.True(allocated < OneMegabyte, $"Allocated {allocated} bytes.");
    }

    [Theory, MemberData(nameof(Sources))]
    public void IdxImages_DeclaringNearlyTwoToThe31Pixels_InSixteenBytes_AreTruncated_BeforeAllocating(string source)
    {
        // 46340² = 2,147,395,600 pixels: just fits in one array, and the file holds none of them.
        Func<Stream> open = Open(IdxHeader(1, 46340, 46340), source);

        var e = Throws<InvalidDataException>(() => { using Stream s = open(); return IdxReader.ReadImages(s); }, out long allocated);

        Assert.Equal("IDX images, byte 16: the file is truncated: the header declares 1 image of 46340×46340 pixels, 2147395600 bytes of data after the 16-byte header; the file holds 0.", e.Message);
        Assert.True(allocated < OneMegabyte, $"Allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData(2048, 1024, 1024)]          // 2^31 pixels
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue)]
    public void IdxImages_DeclaringMoreThanFitsInAnArray_AreRejectedFromTheHeader(int count, int rows, int columns)
    {
        var e = Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(IdxHeader(count, rows, columns))), out long allocated);

        Assert.Equal($"IDX images, byte 4: the header declares {count} images of {rows}×{columns} pixels, more than fit in one array ({Compat.ArrayMaxLength} bytes).", e.Message);
        Assert.True(allocated < OneMegabyte, $"Allocated {allocated} bytes.");
    }

    [Fact]
    public void IdxLabels_PartlyPresent_SayHowManyBytesTheFileHolds()
    {
        byte[] file = [.. IdxHeader(1000), .. new byte[10]];

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(new NonSeekableStream(TempDirectory.Gzip(file))));

        Assert.Equal("IDX labels, byte 18: the file is truncated: the header declares 1000 labels, 1000 bytes of data after the 8-byte header; the file holds 10.", e.Message);
    }

    [Fact]
    public void IdxGzip_ReadsLargeFilesIncrementally_AndCorrectly()
    {
        // 300 KB of labels through gzip: the buffer grows from 64 KiB as the data arrives.
        var data = new byte[300_000];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i % 10);
        byte[] file = [.. IdxHeader(data.Length), .. data];

        int[] labels = IdxReader.ReadLabels(new NonSeekableStream(TempDirectory.Gzip(file)));

        Assert.Equal(data.Length, labels.Length);
        Assert.Equal(7, labels[299_997]);
    }
}
