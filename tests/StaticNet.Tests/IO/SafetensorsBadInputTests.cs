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
/// Every invalid input to <see cref="Safetensors.Load"/> throws <see cref="SafetensorsFormatException"/> naming the
/// problem, and leaves the parameter buffer bit-identical; each case runs on a seekable and a non-seekable stream.
/// </summary>
public class SafetensorsBadInputTests
{
    /// <summary>Loads <paramref name="file"/> into a sentinel buffer, expecting failure; returns the message.</summary>
    private static string LoadFails(byte[] file, bool seekable, ParameterTensor[]? layout = null)
    {
        float[] parameters = Sentinel();
        Stream stream = seekable ? new MemoryStream(file) : new TrickleStream(file);

        var e = Assert.ThrowsAny<SafetensorsFormatException>(() => Safetensors.Load(stream, layout ?? Layout(), parameters));

        Assert.True(BitEqual(Sentinel(), parameters), "A failed load changed the parameters.");
        Assert.IsAssignableFrom<IOException>(e);
        return e.Message;
    }

    /// <summary>A saved layout with one tensor's header entry edited by <paramref name="edit"/> (same length or not).</summary>
    private static byte[] EditHeader(Func<string, string> edit)
    {
        byte[] saved = SavedLayout();
        (ulong length, string json) = Header(saved);
        byte[] body = saved.AsSpan(8 + (int)length).ToArray();
        return Raw(edit(json), body);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void MissingTensor_IsNamed_AndTheFilesTensorsAreListed(bool seekable)
    {
        ParameterTensor[] layout = Layout().Append(new ParameterTensor("fc3.bias", [2], 0)).ToArray();

        string message = LoadFails(SavedLayout(), seekable, layout);

        Assert.Contains("Missing tensors (the network has them, the file does not): 'fc3.bias' [2].", message);
        Assert.Contains("The file has 4 tensors: fc1.weight [3, 4], fc1.bias [3], fc2.weight [2, 3], fc2.bias [2].", message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void WrongShape_SaysWhatWasExpectedAndWhatWasFound(bool seekable)
    {
        ParameterTensor[] layout = Layout();
        layout[0] = new ParameterTensor("fc1.weight", [4, 3], 0, TensorLayout.TransposedMatrix, stride: 5);

        string message = LoadFails(SavedLayout(), seekable, layout);

        Assert.Equal("Tensor 'fc1.weight': expected shape [4, 3], found [3, 4].", message);
    }

    [Fact]
    public void SeveralProblems_AreAllReported()
    {
        ParameterTensor[] layout = [new ParameterTensor("fc1.bias", [4], 0), new ParameterTensor("nope", [1], 4)];

        string message = LoadFails(SavedLayout(), seekable: true, layout);

        Assert.Contains("Tensor 'fc1.bias': expected shape [4], found [3].", message);
        Assert.Contains("Missing tensors (the network has them, the file does not): 'nope' [1].", message);
        Assert.Contains("Unexpected tensors (the file has them, the network does not): 'fc1.weight' F32 [3, 4], 'fc2.weight' F32 [2, 3], 'fc2.bias' F32 [2].", message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void WrongDType_IsNamed(bool seekable)
    {
        byte[] file = EditHeader(json => json.Replace("""{"dtype":"F32","shape":[3]""", """{"dtype":"I32","shape":[3]"""));

        string message = LoadFails(file, seekable);

        Assert.Contains("Tensor 'fc1.bias': expected dtype F32, found I32", message);
    }

    [Fact]
    public void UnknownDType_IsRejectedByRead_UnexpectedInAStrictLoad_AndIgnoredByANonStrictOne()
    {
        byte[] file = Raw("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[4,6]}}""",
            [0, 0, 0x80, 0x3F, 1, 2]);
        var parameters = new float[1];

        var strict = Assert.Throws<SafetensorsMismatchException>(() => Safetensors.Load(new MemoryStream(file), [new ParameterTensor("w", [1], 0)], parameters));
        Assert.StartsWith("Unexpected tensors (the file has them, the network does not): 'q' F8_E4M3 [2].", strict.Message);
        Assert.Equal(0f, parameters[0]);
        Safetensors.Load(new MemoryStream(file), [new ParameterTensor("w", [1], 0)], parameters, new SafetensorsLoadOptions { Strict = false });
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new MemoryStream(file)));

        Assert.Equal(1f, parameters[0]);
        Assert.Contains("Tensor 'q' has dtype F8_E4M3", e.Message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void TruncatedBody_SaysHowMuchDataWasExpected(bool seekable)
    {
        byte[] saved = SavedLayout();

        string message = LoadFails(saved[..^5], seekable);

        Assert.Contains("The tensor data is truncated: the header refers to 92 bytes", message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void TruncatedHeader_IsReported(bool seekable)
    {
        byte[] saved = SavedLayout();

        string message = LoadFails(saved[..40], seekable);

        Assert.Contains(seekable ? "but only 32 bytes follow it" : "The header is truncated", message);
    }

    [Theory, InlineData(0), InlineData(5)]
    public void StreamShorterThanTheLengthPrefix_IsReported(int length)
    {
        string message = LoadFails(new byte[length], seekable: true);

        Assert.Contains($"The stream ends after {length} bytes", message);
    }

    [Theory]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]""", "not valid JSON")]
    [InlineData("""{"fc1.weight":{"dtype":"F32",,}}""", "not valid JSON")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]}} x""", "not valid JSON")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,4]}}""", "tensor 'fc1.weight' lacks data_offsets")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,-4],"data_offsets":[0,48]}}""", "shape must hold non-negative integers; found -4")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,4.5],"data_offsets":[0,48]}}""", "shape must hold non-negative integers; found 4.5")]
    [InlineData("""{"fc1.weight":{"dtype":7,"shape":[3,4],"data_offsets":[0,48]}}""", "dtype must be a string")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[48,0]}}""", "data_offsets [48, 0]")]
    [InlineData("""{"__metadata__":{"a":1}}""", "__metadata__ value 'a' must be a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "two entries named 'a'")]
    [InlineData("""{"fc1.weight":{"dtype":"F32","shape":[4294967296,4],"data_offsets":[0,48]}}""", "too large")]
    public void CorruptHeader_IsReported(string json, string expected)
    {
        string message = LoadFails(Raw(json, new byte[48]), seekable: true);

        Assert.Contains(expected, message);
    }

    [Fact]
    public void InvalidUtf8InTheHeader_IsReported()
    {
        byte[] header = Encoding.UTF8.GetBytes("""{"fc1.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]}}""");
        header[3] = 0xFF;

        string message = LoadFails(Raw(header, new byte[48], null), seekable: true);

        Assert.Contains("not valid JSON", message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void HeaderLengthLargerThanTheFile_IsReported(bool seekable)
    {
        byte[] saved = SavedLayout();
        byte[] file = Raw(saved.AsSpan(8).ToArray(), [], declaredLength: 1_000_000);

        string message = LoadFails(file, seekable);

        Assert.Contains(seekable ? "The header length is 1000000 bytes, but only" : "The header is truncated: expected 1000000 bytes", message);
    }

    [Theory]
    [InlineData(100_000_001ul)]
    [InlineData(ulong.MaxValue)]
    public void AbsurdHeaderLength_IsRejectedBeforeAllocating(ulong length)
    {
        string message = LoadFails(Raw(new byte[16], [], declaredLength: length), seekable: false);

        Assert.Contains("more than the 100 MB limit", message);
    }

    [Theory, InlineData(true), InlineData(false)]
    public void DataOffsetsBeyondTheBuffer_AreReportedAsAHole(bool seekable)
    {
        // fc2.bias [2] moved to bytes [1000, 1008): the sizes agree, but bytes [84, 1000) belong to no tensor.
        byte[] file = EditHeader(json => json.Replace("[84,92]", "[1000,1008]"));

        string message = LoadFails(file, seekable);

        Assert.Contains("tensor 'fc2.bias' has data_offsets [1000, 1008], leaving bytes [84, 1000) after tensor 'fc2.weight' [60, 84] to no tensor; expected it to start at byte 84", message);
    }

    [Theory]
    [InlineData("[84,92]", "[84,96]", "tensor 'fc2.bias' F32 [2] needs 2 × 4 bytes, but its data_offsets [84, 96] span 12")]
    [InlineData("[84,92]", "[84,88]", "span 4")]
    [InlineData("[84,92]", "[84]", "data_offsets [84]")]
    [InlineData("[84,92]", "[84,92,100]", "data_offsets [84, 92, 100]")]
    public void DataOffsetsThatDisagreeWithTheShape_AreReported(string from, string to, string expected)
    {
        byte[] file = EditHeader(json => json.Replace(from, to));

        string message = LoadFails(file, seekable: true);

        Assert.Contains(expected, message);
    }

    [Fact]
    public void HugeDataOffsets_OnAStreamThatCannotSeek_FailAtTheEndOfTheStream()
    {
        byte[] file = Raw("""{"w":{"dtype":"U8","shape":[2000000000],"data_offsets":[0,2000000000]}}""", new byte[100]);

        string message = LoadFails(file, seekable: false, [new ParameterTensor("x", [1], 0)]);

        Assert.Contains("Missing tensors (the network has them, the file does not): 'x' [1].", message);
        Assert.Contains("Unexpected tensors (the file has them, the network does not): 'w' U8 [2000000000].", message);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Read(new TrickleStream(file)));
        Assert.Contains("the stream ended after 100", e.Message);
    }
}
