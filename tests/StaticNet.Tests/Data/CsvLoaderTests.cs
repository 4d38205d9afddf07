using System;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Data;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class CsvLoaderTests : IDisposable
{
    private const string Csv = "0,16,8,1\n4,2,0,0\n16,16,16,2\n\n";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadsPlainAndGzipFiles(bool gzip)
    {
        Dataset data = CsvLoader.Load(_temp.Write("small.csv", Csv, gzip), new CsvOptions { FeatureScale = 1 / 16f });

        Assert.Equal((3, 3, 3), (data.Count, data.InputSize, data.OutputSize));
        Assert.Equal(new float[] { 0, 1, 0.5f, 0.25f, 0.125f, 0, 1, 1, 1 }, data.Features.ToArray());
        Assert.Equal(new[] { 1, 0, 2 }, data.Labels.ToArray());
        Assert.Equal(new float[] { 0, 1, 0 }, data.GetTargets(0).ToArray());
    }

    [Fact]
    public void ReadsHeadersLabelColumnsAndClassCounts()
    {
        string csv = "label; a; b\n1; 0.5; -2e-1\n0.0; 3; 4\n";
        Dataset data = CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(csv)),
            new CsvOptions { HasHeader = true, Delimiter = ';', LabelColumn = 0, ClassCount = 4 });

        Assert.Equal((2, 2, 4), (data.Count, data.InputSize, data.OutputSize));
        Assert.Equal(new float[] { 0.5f, -0.2f, 3, 4 }, data.Features.ToArray());
        Assert.Equal(new[] { 1, 0 }, data.Labels.ToArray());

        Dataset fromEnd = CsvLoader.Load(_temp.Write("x.csv", "1,7,2\n0,8,3\n"), new CsvOptions { LabelColumn = -2 });
        Assert.Equal(new float[] { 1, 2, 0, 3 }, fromEnd.Features.ToArray());
        Assert.Equal(new[] { 7, 8 }, fromEnd.Labels.ToArray());
        Assert.Equal(9, fromEnd.OutputSize);   // inferred: largest label + 1
    }

    [Fact]
    public void StreamsStayOpenAndNeedNotSeek()
    {
        var stream = new NonSeekableStream(TempDirectory.Gzip(Encoding.UTF8.GetBytes(Csv)));
        Dataset data = CsvLoader.Load(stream);
        Assert.Equal(3, data.Count);
        Assert.False(stream.Disposed);

        var memory = new MemoryStream(Encoding.UTF8.GetBytes(Csv));
        CsvLoader.Load(memory);
        Assert.True(memory.CanRead);   // not disposed
    }

    [Theory]
    [InlineData("1,2,0\n3,x,1\n", "small.csv, line 2, column 2: expected a number; found 'x'.")]
    [InlineData("1,2,0\n3,4\n", "small.csv, line 2: expected 3 columns, as on the first line; found 2.")]
    [InlineData("1,2,0\n\n3,4,5,6,1\n", "small.csv, line 3: expected 3 columns, as on the first line; found 5.")]
    [InlineData("1,2,0\n3,4,1.5\n", "small.csv, line 2, column 3: expected a class label (an integer ≥ 0); found '1.5'.")]
    [InlineData("1,2,-1\n", "small.csv, line 1, column 3: expected a class label (an integer ≥ 0); found '-1'.")]
    [InlineData("1\n", "small.csv, line 1: expected at least 2 columns (features and a label); found 1.")]
    [InlineData("", "small.csv, expected at least one data line; found an empty file.")]
    [InlineData("a,b,c\n", "small.csv, line 1, column 1: expected a number; found 'a'.")]
    public void BadContentIsReportedWithItsLine(string csv, string message)
    {
        var ex = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(_temp.Write("small.csv", csv)));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void BadOptionsAreReported()
    {
        string path = _temp.Write("small.csv", Csv);
        var ex = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(path, new CsvOptions { ClassCount = 2 }));
        Assert.Equal("small.csv, line 3, column 4: expected a class label in [0, 2); found 2.", ex.Message);
        var bad = Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { LabelColumn = 4 }));
        Assert.Contains("in [-4, 4)", bad.Message);
        Assert.Contains("found 4", bad.Message);
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { ClassCount = 1 }));
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(path, new CsvOptions { FeatureScale = float.NaN }));
        Assert.Throws<FileNotFoundException>(() => CsvLoader.Load(Path.Combine(_temp.Path, "missing.csv")));
        Assert.Equal("CSV data, line 1, column 1: expected a number; found 'q'.",
            Assert.Throws<InvalidDataException>(() => CsvLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes("q,1\n")))).Message);
    }

    [DigitsFact]
    public void LoadsTheDigitsDataSet()
    {
        Dataset digits = CsvLoader.Load(RealDataFiles.Digits!, new CsvOptions { FeatureScale = 1 / 16f, ClassCount = 10 });

        Assert.Equal((1797, 64, 10), (digits.Count, digits.InputSize, digits.OutputSize));
        Assert.All(digits.Features.ToArray(), v => Assert.InRange(v, 0f, 1f));
        int[] counts = new int[10];
        foreach (int label in digits.Labels) counts[label]++;
        Assert.Equal(new[] { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 }, counts);
        Assert.Equal(new float[] { 0, 0, 5, 13, 9, 1, 0, 0 }.Select(v => v / 16f), digits.GetFeatures(0)[..8].ToArray());
    }
}
