using System;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet;
using StaticNet.IO;
using Xunit;
using static StaticNet.Tests.IO.SafetensorsTestData;

namespace StaticNet.Tests.IO;

/// <summary>
/// Safetensors is read as strictly as the format's reference implementation (huggingface/safetensors,
/// <c>Metadata::validate</c> and <c>read_metadata</c>): the tensors, sorted by offset, tile the data area exactly, names
/// are non-empty and unique, dtypes are the format's, and nothing follows the data. Every violation is a
/// <see cref="SafetensorsFormatException"/> naming the tensor, on every read path, and a failed load changes nothing.
/// </summary>
public class SafetensorsStrictTests
{
    public static TheoryData<string> Paths() => new() { "stream", "non-seekable", "span", "read" };

    /// <summary>Runs one read path on <paramref name="file"/>, expecting failure; checks the buffer is unchanged; returns the message.</summary>
    private static string Fails(byte[] file, string path, ParameterTensor[]? layout = null)
    {
        float[] parameters = Sentinel();
        layout ??= [new ParameterTensor("a", [2], 0), new ParameterTensor("b", [1], 2)];
        var e = Assert.ThrowsAny<SafetensorsFormatException>(() =>
        {
            switch (path)
            {
                case "stream": Safetensors.Load(new MemoryStream(file), layout, parameters); break;
                case "non-seekable": Safetensors.Load(new TrickleStream(file), layout, parameters); break;
                case "span": Safetensors.Load(file, layout, parameters); break;
                default: Safetensors.Read(new MemoryStream(file)); break;
            }
        });
        Assert.True(BitEqual(Sentinel(), parameters), "A failed load changed the parameters.");
        return e.Message;
    }

    private static string Tensor(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Theory, MemberData(nameof(Paths))]
    public void OverlappingTensors_AreRejected_NamingBoth(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[2]", 0, 8) + "," + Tensor("b", "F32", "[1]", 4, 8) + "}", F32(1, 2));

        string message = Fails(file, path);

        Assert.Equal("In the header, tensor 'b' has data_offsets [4, 8], which overlap tensor 'a' [0, 8]; expected each tensor to start where the previous one ends, at byte 8.", message);
    }

    [Theory, MemberData(nameof(Paths))]
    public void TwoTensorsSharingTheirBytes_AreRejected(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[1]", 0, 4) + "," + Tensor("b", "F32", "[1]", 0, 4) + "}", F32(1));

        Assert.Contains("tensor 'b' has data_offsets [0, 4], which overlap tensor 'a' [0, 4]", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void AHoleBetweenTensors_IsRejected(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[2]", 0, 8) + "," + Tensor("b", "F32", "[1]", 12, 16) + "}", F32(1, 2, 3, 4));

        Assert.Equal("In the header, tensor 'b' has data_offsets [12, 16], leaving bytes [8, 12) after tensor 'a' [0, 8] to no tensor; expected it to start at byte 8 (the tensors must cover the data with no hole).", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void AHoleAtTheStart_IsRejected(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[2]", 4, 12) + "," + Tensor("b", "F32", "[1]", 12, 16) + "}", F32(0, 1, 2, 3));

        Assert.Contains("tensor 'a' has data_offsets [4, 12], leaving bytes [0, 4) at the start of the data to no tensor; expected it to start at byte 0", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void TrailingBytes_AreRejected(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[2]", 0, 8) + "," + Tensor("b", "F32", "[1]", 8, 12) + "}", F32(1, 2, 3, 4));

        string message = Fails(file, path);

        Assert.StartsWith(path == "non-seekable" ? "The file has more bytes after the 12 bytes" : "The file has 4 bytes after the 12 bytes", message);
        Assert.Contains("expected it to end there (safetensors allows no trailing bytes)", message);
    }

    [Theory, MemberData(nameof(Paths))]
    public void AnEmptyName_IsAFormatError_NotAnArgumentException(string path)
    {
        byte[] file = Raw("{" + Tensor("", "F32", "[1]", 0, 4) + "}", F32(1));

        Assert.Equal("In the header, a tensor has an empty name (\"\"); expected every tensor to have a non-empty name.", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void ADuplicateName_IsRejected_EvenWithDisjointData(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F32", "[1]", 0, 4) + "," + Tensor("a", "F32", "[1]", 4, 8) + "}", F32(1, 2));

        Assert.Equal("The header has two entries named 'a'; expected unique names.", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void AnUnknownDType_IsRejected(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F33", "[1]", 0, 4) + "}", F32(1));

        Assert.StartsWith("In the header, tensor 'a' has dtype 'F33'; expected a safetensors dtype (BOOL, U8,", Fails(file, path));
    }

    [Theory, MemberData(nameof(Paths))]
    public void SubByteDTypes_MustFillWholeBytes(string path)
    {
        byte[] file = Raw("{" + Tensor("a", "F4", "[3]", 0, 2) + "}", [0, 0]);

        Assert.Equal("In the header, tensor 'a' F4 [3] holds 3 × 4 bits, which is not a whole number of bytes.", Fails(file, path));
    }

    [Fact]
    public void DTypesStaticNetCannotConvert_StillTile_AndAreUnexpectedInAStrictLoad_AndIgnoredOtherwise()
    {
        // F4 [4] = 2 bytes, F6_E2M3 [4] = 3 bytes, C64 [1] = 8 bytes, F8_E8M0 [1] = 1 byte, then a's 4 bytes.
        string json = "{" + string.Join(",",
            Tensor("f4", "F4", "[4]", 0, 2), Tensor("f6", "F6_E2M3", "[4]", 2, 5), Tensor("c", "C64", "[1]", 5, 13),
            Tensor("e", "F8_E8M0", "[1]", 13, 14), Tensor("a", "F32", "[1]", 14, 18)) + "}";
        byte[] file = Raw(json, [.. new byte[14], .. F32(7f)]);
        var parameters = new float[1];

        var strict = Assert.Throws<SafetensorsMismatchException>(() => Safetensors.Load(file, [new ParameterTensor("a", [1], 0)], parameters));
        Assert.Equal(["f4", "f6", "c", "e"], strict.UnexpectedTensors);
        Assert.Equal(0f, parameters[0]);
        SafetensorsLoadResult result = Safetensors.Load(file, [new ParameterTensor("a", [1], 0)], parameters, new SafetensorsLoadOptions { Strict = false });

        Assert.Equal(7f, parameters[0]);
        Assert.Equal(["f4", "f6", "c", "e"], result.UnexpectedTensors);
        Assert.Contains("Tensor 'f4' has dtype F4, which StaticNet cannot convert", Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file))).Message);
    }

    [Fact]
    public void EmptyTensors_MayShareAnOffset_AndTheHeaderMayListTensorsInAnyOrder()
    {
        string json = "{" + string.Join(",",
            Tensor("b", "F32", "[1]", 8, 12), Tensor("e1", "F32", "[0]", 8, 8), Tensor("e2", "I64", "[0, 5]", 8, 8),
            Tensor("a", "F32", "[2]", 0, 8), Tensor("e0", "F16", "[0]", 0, 0)) + "}";

        SafetensorsFile file = Safetensors.Read(new MemoryStream(Raw(json, F32(1, 2, 3))));

        Assert.Equal(new[] { "b", "e1", "e2", "a", "e0" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 1f, 2f }, file.Get("a").Data);
    }

    [Fact]
    public void AnEmptyFile_WithNoTensors_IsValid()
    {
        SafetensorsFile file = Safetensors.Read(new MemoryStream(Raw("{\"__metadata__\":{\"k\":\"v\"}}", [])));

        Assert.Empty(file.Tensors);
        Assert.Equal("v", file.Metadata["k"]);
    }

    [Fact]
    public void NullMetadata_IsAccepted_AsByTheReference()
    {
        SafetensorsFile file = Safetensors.Read(new MemoryStream(Raw("{\"__metadata__\":null," + Tensor("a", "F32", "[1]", 0, 4) + "}", F32(1))));

        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void AHugeName_IsShortenedInMessages()
    {
        string name = new('n', 1_000_000);
        byte[] file = Raw("{" + Tensor(name, "F32", "[1]", 0, 8) + "}", F32(1, 2));

        string message = Fails(file, "span");

        Assert.True(message.Length < 400, $"The message has {message.Length} characters.");
        Assert.Contains("(1000000 characters)", message);
    }

    /// <summary>
    /// A header holding one 10 MB name costs a small multiple of the header's bytes (UTF-16 string of the name: 2×, plus
    /// the header read from a stream: 1×, or 2× from a stream that cannot seek), and no message repeats the name. Issue 16 measured 1.3 GB for a 99 MB name.
    /// </summary>
    [Theory, InlineData("stream"), InlineData("non-seekable"), InlineData("span"), InlineData("read")]
    public void AHeaderHoldingAHugeName_AllocatesASmallMultipleOfItsBytes(string path)
    {
        string name = new('n', 10_000_000);
        byte[] file = Raw("{" + Tensor(name, "F32", "[2]", 0, 8) + "}", F32(1, 2));
        Action load = path == "read" ? () => Safetensors.Read(new MemoryStream(file)) : () => Fails(file, path);
        load();

        long before = GC.GetAllocatedBytesForCurrentThread();
        load();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 5L * file.Length, $"Allocated {allocated} bytes for a {file.Length}-byte file.");
    }

    [Fact]
    public void AHeaderLengthOf100MB_OnAStreamThatCannotSeek_HoldingTenBytes_AllocatesLittle()
    {
        byte[] file = Raw(Encoding.UTF8.GetBytes("{\"a\":1234"), [], declaredLength: 100_000_000);
        Fails(file, "non-seekable");

        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = Fails(file, "non-seekable");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("The header is truncated: expected 100000000 bytes, the stream ended after 9.", message);
        Assert.True(allocated < 1 << 20, $"Allocated {allocated} bytes.");
    }

    [Fact]
    public void TheSampleWeights_AndWhatStaticNetWrites_TileExactly()
    {
        string digits = Path.Combine(RepositoryRoot(), "samples", "EdgeInference", "digits.safetensors");
        SafetensorsFile file = Safetensors.Read(digits);
        Assert.NotEmpty(file.Tensors);
        using var copy = new MemoryStream();
        Safetensors.Write(copy, file);
        Assert.Equal(file.Tensors.Count, Safetensors.Read(new MemoryStream(copy.ToArray())).Tensors.Count);

        foreach (string fixture in Directory.GetFiles(Path.Combine(RepositoryRoot(), "tests", "reference", "fixtures"), "*.safetensors"))
            Assert.NotEmpty(Safetensors.Read(fixture).Tensors);
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !Directory.Exists(Path.Combine(directory, "samples", "EdgeInference")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new DirectoryNotFoundException("The repository root was not found above " + AppContext.BaseDirectory);
    }
}
