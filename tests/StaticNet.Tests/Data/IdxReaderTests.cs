using System;
using System.IO;
using System.Linq;
using StaticNet.Data;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // 3 images of 2 × 3 pixels: image i has pixels 10·i + j.
    private static readonly byte[] Images =
        new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3 }
            .Concat(Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(0, 6).Select(j => (byte)(10 * i + j)))).ToArray();

    private static readonly byte[] Labels = { 0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabels(bool gzip)
    {
        IdxImages images = IdxReader.ReadImages(_temp.Write("images", Images, gzip), scaleToUnitRange: false);
        Assert.Equal((3, 2, 3, 6), (images.Count, images.Rows, images.Columns, images.PixelsPerImage));
        Assert.Equal(new float[] { 20, 21, 22, 23, 24, 25 }, images.Pixels[12..]);
        Assert.Equal(new[] { 2, 0, 1 }, IdxReader.ReadLabels(_temp.Write("labels", Labels, gzip)));
    }

    [Fact]
    public void LoadsADatasetScaledToTheUnitRange()
    {
        Dataset data = IdxReader.LoadDataset(_temp.Write("images.gz", Images, gzip: true), _temp.Write("labels", Labels), classCount: 3);
        Assert.Equal((3, 6, 3), (data.Count, data.InputSize, data.OutputSize));
        Assert.Equal(25 / 255f, data.GetFeatures(2)[5]);
        Assert.Equal(new[] { 2, 0, 1 }, data.Labels.ToArray());

        using var stream = new MemoryStream(Images);
        Assert.Equal(1 / 255f, IdxReader.ReadImages(stream).Pixels[1]);
    }

    [Fact]
    public void RejectsFilesOfTheWrongKind()
    {
        string labels = _temp.Write("labels", Labels);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(labels));
        Assert.Equal("labels, byte 0: expected the IDX magic number 00 00 08 03 of unsigned-byte images (idx3-ubyte); found 00000801.", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(_temp.Write("images", Images)));
        Assert.Contains("found 00000803", ex.Message);
        byte[] floats = (byte[])Labels.Clone();
        floats[2] = 0x0d;
        Assert.Contains("found 00000D01", Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(new MemoryStream(floats))).Message);
    }

    [Fact]
    public void RejectsTruncatedAndOverlongFiles()
    {
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(Images[..^1])));
        Assert.Equal("IDX images, byte 33: the file is truncated: the header declares 3 images of 2×3 pixels, 18 bytes of data after the 16-byte header; the file holds 17.", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(Images[..10])));
        Assert.Contains("IDX images, byte 10: the file is truncated: expected the size of dimension 1 at byte 8; found only 2 of 4 bytes", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(_temp.Write("labels", Labels.Append((byte)1).ToArray())));
        Assert.Contains("labels, byte 11: expected the file to end after the 3 bytes of data its header declares (3 labels); found 1 more bytes", ex.Message);
        byte[] zeroRows = (byte[])Images.Clone();
        zeroRows[11] = 0;
        Assert.Contains("byte 8: expected dimension 1 to be > 0; found 0", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(new MemoryStream(zeroRows))).Message);
    }

    [Fact]
    public void LoadDatasetChecksCountsAndLabels()
    {
        string images = _temp.Write("images", Images);
        string twoLabels = _temp.Write("two-labels", new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 0, 1 });
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.LoadDataset(images, twoLabels));
        Assert.Equal("Expected as many labels as images (3 in images); found 2 in two-labels.", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => IdxReader.LoadDataset(images, _temp.Write("labels", Labels), classCount: 2));
        Assert.Equal("labels: expected labels in [0, 2); found 2 at index 0.", ex.Message);
    }

    [FashionMnistFact]
    public void ReadsFashionMnist()
    {
        Dataset test = IdxReader.LoadDataset(RealDataFiles.FashionMnist("t10k-images-idx3-ubyte.gz"), RealDataFiles.FashionMnist("t10k-labels-idx1-ubyte.gz"));
        Assert.Equal((10000, 784, 10), (test.Count, test.InputSize, test.OutputSize));
        Assert.Equal(new[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, test.Labels[..10].ToArray());
        Assert.Equal(33456 / 255.0, test.GetFeatures(0).ToArray().Sum(v => (double)v), 3);
        Assert.All(test.Features.ToArray(), v => Assert.InRange(v, 0f, 1f));

        int[] trainLabels = IdxReader.ReadLabels(RealDataFiles.FashionMnist("train-labels-idx1-ubyte.gz"));
        Assert.Equal(60000, trainLabels.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, trainLabels.Count(l => l == c)));
    }
}
