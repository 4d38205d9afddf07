using System;
using System.Collections.Generic;
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

/// <summary>Quoting (RFC 4180), class names, regression targets, missing values and header names.</summary>
public sealed class CsvLoaderRichTests
{
    private static CsvDataset Read(string csv, CsvOptions? options = null) => CsvLoader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), options);

    private static string Error(string csv, CsvOptions? options = null) =>
        Assert.Throws<InvalidDataException>(() => Read(csv, options)).Message;

    [Fact]
    public void QuotedFields_MayHoldDelimitersQuotesAndLineBreaks()
    {
        string csv = "\"sepal, length\",\"width\",species\r\n\"5.1\",3.5,\"Iris \"\"setosa\"\"\"\r\n 4.9 , \"3.0\" ,\"Iris\nversicolor\"\r\n6.2,2.9,\"Iris \"\"setosa\"\"\"\r\n";
        CsvDataset data = Read(csv, new CsvOptions { HasHeader = true, StringLabels = true });

        Assert.Equal(new float[] { 5.1f, 3.5f, 4.9f, 3.0f, 6.2f, 2.9f }, data.Dataset.Features.ToArray());
        Assert.Equal(["Iris\nversicolor", "Iris \"setosa\""], data.ClassNames);   // ordinal: '\n' sorts before ' '
        Assert.Equal(new[] { 1, 0, 1 }, data.Dataset.Labels.ToArray());
        Assert.Equal(["sepal, length", "width"], data.FeatureNames);
        Assert.Equal(["species"], data.TargetNames);
        Assert.Equal(0, data.ClassId("Iris\nversicolor"));
    }

    [Fact]
    public void StringLabels_AreSortedOrdinally_OrFollowTheGivenNames()
    {
        string csv = "1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n";
        CsvDataset sorted = Read(csv, new CsvOptions { StringLabels = true });
        Assert.Equal(["setosa", "versicolor", "virginica"], sorted.ClassNames);
        Assert.Equal(new[] { 2, 0, 1, 0 }, sorted.Dataset.Labels.ToArray());
        Assert.Equal(3, sorted.Dataset.OutputSize);

        CsvDataset fixedOrder = Read(csv, new CsvOptions { ClassNames = ["virginica", "versicolor", "setosa", "unseen"] });
        Assert.Equal(new[] { 0, 2, 1, 2 }, fixedOrder.Dataset.Labels.ToArray());
        Assert.Equal(4, fixedOrder.Dataset.OutputSize);
        Assert.Equal(3, fixedOrder.ClassId("unseen"));
        Assert.Throws<KeyNotFoundException>(() => fixedOrder.ClassId("rose"));

        Assert.Equal("CSV data, line 2, column 3: expected one of the 2 ClassNames; found 'setosa'.",
            Error(csv, new CsvOptions { ClassNames = ["virginica", "versicolor"] }));
        Assert.Equal("CSV data, line 1, column 3: expected a class label (an integer ≥ 0); found 'virginica'. For class names, set CsvOptions.StringLabels.",
            Error(csv));
        Assert.Throws<InvalidOperationException>(() => Read("1,0\n2,1\n").ClassId("a"));
    }

    [Fact]
    public void TooManyDistinctNames_IsAnErrorOnTheirLine()
    {
        var text = new StringBuilder();
        for (int i = 0; i <= CsvLoader.MaxInferredClassCount; i++) text.Append(i).Append(",name").Append(i).Append('\n');
        Assert.StartsWith("CSV data, line 1025, column 2: expected at most 1024 distinct class names when the class count is inferred; found a new one, 'name1024'.",
            Error(text.ToString(), new CsvOptions { StringLabels = true }));
        Assert.Equal("CSV data, line 3, column 2: expected at most 2 class names (ClassCount); found a new one, 'name2'.",
            Error(text.ToString(), new CsvOptions { StringLabels = true, ClassCount = 2 }));
    }

    [Fact]
    public void RegressionTargets_AreTakenByIndexOrName_Unscaled()
    {
        string csv = "x1,y1,x2,y2\n1,10,2,20\n3,30,4,40\n";
        Dataset byIndex = Read(csv, new CsvOptions { HasHeader = true, TargetColumns = [-1, 1], FeatureScale = 0.5f }).Dataset;
        Assert.Equal((2, 2, 2), (byIndex.Count, byIndex.InputSize, byIndex.OutputSize));
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, byIndex.Features.ToArray());
        Assert.Equal(new float[] { 20, 10, 40, 30 }, byIndex.Targets.ToArray());
        Assert.False(byIndex.HasLabels);

        CsvDataset byName = Read(csv, new CsvOptions { HasHeader = true, TargetColumnNames = ["y1"] });
        Assert.Equal(new float[] { 10, 30 }, byName.Dataset.Targets.ToArray());
        Assert.Equal(["x1", "x2", "y2"], byName.FeatureNames);
        Assert.Equal(["y1"], byName.TargetNames);

        var e = Assert.Throws<ArgumentException>(() => Read(csv, new CsvOptions { HasHeader = true, TargetColumnNames = ["z"] }));
        Assert.Equal("CSV data, expected a header column named 'z' (TargetColumnNames); found the columns 'x1', 'y1', 'x2', 'y2'. (Parameter 'options')", e.Message);
        Assert.Throws<ArgumentException>(() => Read(csv, new CsvOptions { TargetColumns = [1, 1] }));
        Assert.Throws<ArgumentException>(() => Read(csv, new CsvOptions { TargetColumns = [1], StringLabels = true }));
        Assert.Throws<ArgumentException>(() => Read(csv, new CsvOptions { LabelColumnName = "y1" }));   // no header
    }

    [Theory]
    [InlineData("a,b,label\n1,2,0\n3,,1\n", true, "CSV data, line 3 (data row 2), column 2 ('b'): expected a number; found a missing value (an empty field). Fill in or drop the rows with missing values before loading.")]
    [InlineData("1,2,0\n3,NA,1\n", false, "CSV data, line 2 (data row 2), column 2: expected a number; found a missing value ('NA'). Fill in or drop the rows with missing values before loading.")]
    [InlineData("1,2,0\n\n3,4,?\n", false, "CSV data, line 3 (data row 2), column 3: expected a class label; found a missing value ('?'). Fill in or drop the rows with missing values before loading.")]
    [InlineData("1,\"\",0\n", false, "CSV data, line 1 (data row 1), column 2: expected a number; found a missing value (an empty field). Fill in or drop the rows with missing values before loading.")]
    [InlineData("1,NaN,0\n", false, "CSV data, line 1 (data row 1), column 2: expected a number; found a missing value ('NaN'). Fill in or drop the rows with missing values before loading.")]
    public void MissingValues_AreReportedWithLineRowAndColumn(string csv, bool header, string message) =>
        Assert.Equal(message, Error(csv, new CsvOptions { HasHeader = header }));

    [Fact]
    public void MissingTargetsAndNames_AreReportedToo()
    {
        Assert.Equal("CSV data, line 2 (data row 2), column 2: expected a target value; found a missing value ('null'). Fill in or drop the rows with missing values before loading.",
            Error("1,2\n3,null\n", new CsvOptions { TargetColumns = [1] }));
        Assert.Equal("CSV data, line 1 (data row 1), column 2: expected a class name; found a missing value (an empty field). Fill in or drop the rows with missing values before loading.",
            Error("1,\n", new CsvOptions { StringLabels = true }));
    }

    [Theory]
    [InlineData("1,\"2,0\n", "CSV data, line 1, column 2: expected a closing '\"' for the quoted field that starts here; found the end of the data.")]
    [InlineData("1,\"2\"x,0\n", "CSV data, line 1, column 2: expected the delimiter ',' or the end of the line after a closing quote; found 'x'.")]
    [InlineData("1,2,0\n\"3\n\",4,1\n5,6\n", "CSV data, line 4: expected 3 columns, as on the first line; found 2.")]
    public void BadQuoting_IsReportedWithItsLine(string csv, string message) => Assert.Equal(message, Error(csv));

    [Fact]
    public void LabelsChosenByHeaderName()
    {
        CsvDataset data = Read("label;a;b\n1;0.5;2\n0;3;4\n", new CsvOptions { HasHeader = true, Delimiter = ';', LabelColumnName = "label" });
        Assert.Equal(new[] { 1, 0 }, data.Dataset.Labels.ToArray());
        Assert.Equal(["a", "b"], data.FeatureNames);
        Assert.Null(data.ClassNames);
    }
}
