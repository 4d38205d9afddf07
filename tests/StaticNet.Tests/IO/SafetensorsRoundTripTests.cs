using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.IO;
using Xunit;
using static StaticNet.Tests.IO.SafetensorsTestData;

namespace StaticNet.Tests.IO;

public class SafetensorsRoundTripTests
{
    [Fact]
    public void SaveThenLoad_RestoresEveryParameterBitForBit_WithTransposedPaddedLayouts()
    {
        float[] original = Parameters(seed: 1);
        var loaded = new float[LayoutLength];

        Safetensors.Load(new MemoryStream(SavedLayout(seed: 1)), Layout(), loaded);

        Assert.True(BitEqual(original, loaded));
    }

    [Fact]
    public void Load_WorksOnAStreamThatCannotSeekAndReturnsShortReads()
    {
        var loaded = new float[LayoutLength];

        Safetensors.Load(new TrickleStream(SavedLayout(seed: 2)), Layout(), loaded);

        Assert.True(BitEqual(Parameters(seed: 2), loaded));
    }

    [Fact]
    public void Save_WritesPyTorchRowMajorLayoutInTheGivenOrder()
    {
        float[] parameters = Parameters(seed: 3);
        ParameterTensor[] layout = Layout();

        SafetensorsFile file = Safetensors.Read(new MemoryStream(SavedLayout(seed: 3)));

        Assert.Equal(layout.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (ParameterTensor tensor in layout)
        {
            SafetensorsTensor read = file.Get(tensor.Name);
            Assert.Equal(tensor.Shape.ToArray(), read.Shape.ToArray());
            Assert.Equal("F32", read.DType);
            Assert.Equal(tensor.Export(parameters), read.Data);
        }
        // fc1.weight is [3, 4]: element (r, c) sits at row-major index r·4 + c, internally at c·5 + r.
        Assert.Equal(parameters[2 * 5 + 1], file.Get("fc1.weight").Data[1 * 4 + 2]);
    }

    [Fact]
    public void Save_PadsTheHeaderWithSpacesToAMultipleOf8_AndWritesMetadataFirst()
    {
        using var stream = new MemoryStream();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["description"] = "it's <fine> & \"quoted\"" };

        Safetensors.Save(stream, Layout(), Parameters(seed: 4), metadata);
        byte[] bytes = stream.ToArray();

        (ulong length, string json) = Header(bytes);
        Assert.Equal(0ul, length % 8);
        Assert.StartsWith("{\"__metadata__\":{\"description\":", json);
        Assert.EndsWith("}", json.TrimEnd(' '));
        Assert.Equal(8 + (long)length + 4 * (12 + 3 + 6 + 2), bytes.Length);
        Assert.Equal(metadata, Safetensors.Read(new MemoryStream(bytes)).Metadata);
    }

    [Fact]
    public void WriteThenRead_KeepsNamesShapesDataMetadataAndOrder_IncludingScalarsAndEmptyTensors()
    {
        var tensors = new SafetensorsTensor[]
        {
            new("z", [2, 2], [1f, -2f, float.PositiveInfinity, 4.5e-40f]),
            new("scalar", [], [42f]),
            new("empty", [0, 3], []),
            new("a", [3], [0.1f, 0.2f, 0.3f]),
        };
        var metadata = new Dictionary<string, string> { ["k"] = "v", ["ünïcode"] = "✓" };
        using var stream = new MemoryStream();

        Safetensors.Write(stream, new SafetensorsFile(tensors, metadata));
        stream.Position = 0;
        SafetensorsFile file = Safetensors.Read(stream);

        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (SafetensorsTensor tensor in tensors)
        {
            Assert.Equal(tensor.Shape.ToArray(), file.Get(tensor.Name).Shape.ToArray());
            Assert.True(BitEqual(tensor.Data, file.Get(tensor.Name).Data));
        }
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void Read_AcceptsDataStoredInAnotherOrderThanTheHeader()
    {
        byte[] file = Raw("""{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""",
            F32(1f, 2f, 3f));

        SafetensorsFile read = Safetensors.Read(new MemoryStream(file));

        Assert.Equal([1f, 2f], read.Get("a").Data);
        Assert.Equal([3f], read.Get("b").Data);
        Assert.Empty(read.Metadata);
    }

    [Theory]
    [InlineData("F64", new byte[] { 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0x04, 0xC0 })] // 1.5, -2.5
    [InlineData("F16", new byte[] { 0x00, 0x3E, 0x00, 0xC1 })]                                     // 1.5, -2.5
    [InlineData("BF16", new byte[] { 0xC0, 0x3F, 0x20, 0xC0 })]                                    // 1.5, -2.5
    [InlineData("F32", new byte[] { 0, 0, 0xC0, 0x3F, 0, 0, 0x20, 0xC0 })]                         // 1.5, -2.5
    public void Load_ConvertsFloatingPointDTypesToFloat(string dtype, byte[] data)
    {
        byte[] file = Raw($$$"""{"w":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,{{{data.Length}}}]}}""", data);
        var parameters = new float[3];

        Safetensors.Load(new MemoryStream(file), [new ParameterTensor("w", [2], 1)], parameters);

        Assert.Equal([0f, 1.5f, -2.5f], parameters);
    }

    [Fact]
    public void Read_ConvertsIntegerAndBoolTensors()
    {
        byte[] file = Raw("""{"i64":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"flag":{"dtype":"BOOL","shape":[2],"data_offsets":[16,18]},"i8":{"dtype":"I8","shape":[1],"data_offsets":[18,19]}}""",
            [7, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0xFF]);

        SafetensorsFile read = Safetensors.Read(new MemoryStream(file));

        Assert.Equal([7f, -3f], read.Get("i64").Data);
        Assert.Equal("I64", read.Get("i64").DType);
        Assert.Equal([1f, 0f], read.Get("flag").Data);
        Assert.Equal([-1f], read.Get("i8").Data);
    }

    [Fact]
    public void Get_ForAMissingTensor_NamesItAndListsTheTensorsThereAre()
    {
        SafetensorsFile file = Safetensors.Read(new MemoryStream(SavedLayout()));

        var e = Assert.Throws<KeyNotFoundException>(() => file.Get("fc3.weight"));

        Assert.Contains("'fc3.weight'", e.Message);
        Assert.Contains("fc1.weight [3, 4]", e.Message);
        Assert.False(file.TryGet("fc3.weight", out _));
    }

    [Fact]
    public void Save_RejectsDuplicateOrReservedNames_AndTensorsOutsideTheBuffer()
    {
        var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => Safetensors.Save(stream, [new ParameterTensor("a", [2], 0), new ParameterTensor("a", [2], 2)], new float[4]));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(stream, [new ParameterTensor("__metadata__", [2], 0)], new float[4]));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(stream, Layout(), new float[LayoutLength - 1]));
        Assert.Throws<ArgumentException>(() => Safetensors.Load(new MemoryStream(SavedLayout()), Layout(), new float[LayoutLength - 1]));
    }
}
