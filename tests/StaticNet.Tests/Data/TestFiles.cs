using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using Xunit;

namespace StaticNet.Tests.Data;

/// <summary>A temporary directory for files a test writes, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "staticnet-tests-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, byte[] content, bool gzip = false)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }

    public string Write(string name, string content, bool gzip = false) => Write(name, Encoding.UTF8.GetBytes(content), gzip);

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(content);
        return output.ToArray();
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A read-only stream that cannot seek, like a network or pipe stream.</summary>
internal sealed class NonSeekableStream(byte[] content) : Stream
{
    private readonly MemoryStream _inner = new(content);

    public bool Disposed { get; private set; }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) => Disposed = true;
}

/// <summary>
/// The real data sets, where this machine has them: digits.csv.gz (in the repository at samples/QuickStart/data, or in
/// /work/shared/data) and Fashion-MNIST (Debian's dataset-fashion-mnist). Tests that need them are skipped otherwise.
/// </summary>
internal static class RealDataFiles
{
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    public static string? Digits { get; } = FirstExisting(
        System.IO.Path.Combine(RepositoryRoot() ?? "", "samples", "QuickStart", "data", "digits.csv.gz"),
        "/work/shared/data/digits.csv.gz");

    public static string FashionMnist(string name) => System.IO.Path.Combine(FashionMnistDirectory, name);

    public static bool HasFashionMnist => File.Exists(FashionMnist("t10k-images-idx3-ubyte.gz")) && File.Exists(FashionMnist("train-labels-idx1-ubyte.gz"));

    private static string? FirstExisting(params string[] paths) => Array.Find(paths, File.Exists);

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "StaticNet.sln"))) return dir.FullName;
        }
        return null;
    }
}

/// <summary>A fact that is skipped when digits.csv.gz is not on this machine.</summary>
public sealed class DigitsFactAttribute : FactAttribute
{
    public DigitsFactAttribute()
    {
        if (RealDataFiles.Digits is null) Skip = "digits.csv.gz is in neither samples/QuickStart/data nor /work/shared/data.";
    }
}

/// <summary>A fact that is skipped when Fashion-MNIST is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!RealDataFiles.HasFashionMnist) Skip = $"Fashion-MNIST is not in {RealDataFiles.FashionMnistDirectory} (apt-get install dataset-fashion-mnist).";
    }
}
