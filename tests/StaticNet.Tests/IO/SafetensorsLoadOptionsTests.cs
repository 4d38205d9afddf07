using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.IO;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.IO.SafetensorsTestData;

namespace StaticNet.Tests.IO;

/// <summary>
/// Loading as PyTorch's <c>load_state_dict</c>: strict by default (missing and unexpected tensors are one error that
/// lists both), non-strict on request (loads what matches, returns both lists), and from or to a prefix. A failed load
/// changes nothing, on every read path.
/// </summary>
public class SafetensorsLoadOptionsTests
{
    public static TheoryData<string> Paths() => new() { "stream", "non-seekable", "span" };

    private static readonly SafetensorsLoadOptions NonStrict = new() { Strict = false };

    private static SafetensorsLoadResult Load(string path, byte[] file, ParameterTensor[] layout, float[] parameters, SafetensorsLoadOptions? options = null)
    {
        options ??= new SafetensorsLoadOptions();
        return path switch
        {
            "stream" => Safetensors.Load(new MemoryStream(file), layout, parameters, options),
            "non-seekable" => Safetensors.Load(new TrickleStream(file), layout, parameters, options),
            _ => Safetensors.Load(file, layout, parameters, options),
        };
    }

    /// <summary>Loads into a sentinel buffer, expecting a mismatch; checks the buffer is bit-identical; returns the exception.</summary>
    private static SafetensorsMismatchException Fails(string path, byte[] file, ParameterTensor[]? layout = null, SafetensorsLoadOptions? options = null)
    {
        float[] parameters = Sentinel();
        var e = Assert.Throws<SafetensorsMismatchException>(() => Load(path, file, layout ?? Layout(), parameters, options));
        Assert.True(BitEqual(Sentinel(), parameters), "A failed load changed the parameters.");
        Assert.IsAssignableFrom<SafetensorsFormatException>(e);
        return e;
    }

    /// <summary>The layout's tensors of <see cref="Parameters"/>(seed), named prefix + name, with extra tensors first.</summary>
    private static byte[] WithTensors(int seed, string prefix = "", params SafetensorsTensor[] extra)
    {
        float[] values = Parameters(seed);
        var tensors = new List<SafetensorsTensor>(extra);
        tensors.AddRange(Layout().Select(t => new SafetensorsTensor(prefix + t.Name, t.Shape.ToArray(), t.Export(values))));
        using var stream = new MemoryStream();
        Safetensors.Write(stream, tensors);
        return stream.ToArray();
    }

    [Theory, MemberData(nameof(Paths))]
    public void Strict_AnExtraTensor_FailsNamingIt_AndChangesNothing(string path)
    {
        byte[] file = WithTensors(seed: 5, extra: new SafetensorsTensor("extra.running_mean", [7], new float[7]));

        SafetensorsMismatchException e = Fails(path, file);

        Assert.Equal(
            "Unexpected tensors (the file has them, the network does not): 'extra.running_mean' F32 [7]. " +
            "To load the tensors that match and get both lists back, load with SafetensorsLoadOptions { Strict = false }.", e.Message);
        Assert.Equal(["extra.running_mean"], e.UnexpectedTensors);
        Assert.Empty(e.MissingTensors);
        Assert.Empty(e.MismatchedTensors);
        var plain = Assert.Throws<SafetensorsMismatchException>(() => Safetensors.Load(new MemoryStream(file), Layout(), Sentinel()));
        Assert.Equal(e.Message, plain.Message);
    }

    [Theory, MemberData(nameof(Paths))]
    public void Strict_MissingAndUnexpected_AreBothListed(string path)
    {
        ParameterTensor[] layout = [.. Layout(), new ParameterTensor("fc3.weight", [2, 2], LayoutLength - 4), new ParameterTensor("fc3.bias", [2], LayoutLength - 2)];
        byte[] file = WithTensors(seed: 5, extra: [new SafetensorsTensor("head.weight", [2, 2], new float[4]), new SafetensorsTensor("head.bias", [2], new float[2])]);

        SafetensorsMismatchException e = Fails(path, file, layout);

        Assert.Equal(
            "Missing tensors (the network has them, the file does not): 'fc3.weight' [2, 2], 'fc3.bias' [2]. " +
            "Unexpected tensors (the file has them, the network does not): 'head.weight' F32 [2, 2], 'head.bias' F32 [2]. " +
            "To load the tensors that match and get both lists back, load with SafetensorsLoadOptions { Strict = false }.", e.Message);
        Assert.Equal(["fc3.weight", "fc3.bias"], e.MissingTensors);
        Assert.Equal(["head.weight", "head.bias"], e.UnexpectedTensors);
    }

    [Fact]
    public void Strict_LongListsAreCut_TheExceptionHoldsThemAll()
    {
        var extra = Enumerable.Range(0, 25).Select(i => new SafetensorsTensor($"extra{i}", [1], [i])).ToArray();
        byte[] file = WithTensors(seed: 5, extra: extra);

        SafetensorsMismatchException e = Fails("stream", file);

        Assert.Contains("'extra19' F32 [1], and 5 more.", e.Message);
        Assert.DoesNotContain("extra20", e.Message);
        Assert.Equal(25, e.UnexpectedTensors.Count);
    }

    [Theory, MemberData(nameof(Paths))]
    public void NonStrict_LoadsWhatMatches_LeavesTheRest_AndReturnsBothLists(string path)
    {
        // The file lacks fc2.bias and has an extra tensor.
        float[] values = Parameters(seed: 6);
        var tensors = Layout().Where(t => t.Name != "fc2.bias").Select(t => new SafetensorsTensor(t.Name, t.Shape.ToArray(), t.Export(values))).ToList();
        tensors.Add(new SafetensorsTensor("num_batches_tracked", [], [3]));
        using var stream = new MemoryStream();
        Safetensors.Write(stream, tensors);
        float[] parameters = Sentinel();

        SafetensorsLoadResult result = Load(path, stream.ToArray(), Layout(), parameters, NonStrict);

        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight"], result.LoadedTensors);
        Assert.Equal(["fc2.bias"], result.MissingTensors);
        Assert.Equal(["num_batches_tracked"], result.UnexpectedTensors);
        Assert.False(result.IsExactMatch);
        foreach (ParameterTensor tensor in Layout())
            Assert.Equal(tensor.Export(tensor.Name == "fc2.bias" ? Sentinel() : values), tensor.Export(parameters));
        Assert.True(BitEqual(Sentinel().AsSpan(35, 2).ToArray(), parameters.AsSpan(35, 2).ToArray()), "a missing tensor changed");
    }

    [Theory, MemberData(nameof(Paths))]
    public void NonStrict_AWrongShape_IsStillAnError_AndChangesNothing(string path)
    {
        ParameterTensor[] layout = Layout();
        layout[1] = new ParameterTensor("fc1.bias", [4], 20);
        byte[] file = WithTensors(seed: 5, extra: new SafetensorsTensor("extra", [1], [1]));

        SafetensorsMismatchException e = Fails(path, file, layout, NonStrict);

        Assert.Equal("Tensor 'fc1.bias': expected shape [4], found [3].", e.Message);
        Assert.Equal(["fc1.bias"], e.MismatchedTensors);
        Assert.Empty(e.UnexpectedTensors);
    }

    [Fact]
    public void Strict_AnExactFile_ReturnsEmptyLists()
    {
        var parameters = new float[LayoutLength];

        SafetensorsLoadResult result = Load("stream", SavedLayout(seed: 3), Layout(), parameters);

        Assert.True(result.IsExactMatch);
        Assert.Equal(Layout().Select(t => t.Name), result.LoadedTensors);
        Assert.True(BitEqual(Parameters(seed: 3), parameters));
    }

    [Theory, MemberData(nameof(Paths))]
    public void Prefix_SaveThenLoad_RoundTrips(string path)
    {
        using var stream = new MemoryStream();
        Safetensors.Save(stream, Layout(), Parameters(seed: 7), "model.encoder.");
        byte[] file = stream.ToArray();
        var parameters = new float[LayoutLength];

        SafetensorsLoadResult result = Load(path, file, Layout(), parameters, new SafetensorsLoadOptions { Prefix = "model.encoder." });

        Assert.Equal(["model.encoder.fc1.weight", "model.encoder.fc1.bias", "model.encoder.fc2.weight", "model.encoder.fc2.bias"],
            Safetensors.Read(new MemoryStream(file)).Tensors.Select(t => t.Name));
        Assert.True(result.IsExactMatch);
        Assert.Equal("model.encoder.fc1.weight", result.LoadedTensors[0]);
        Assert.True(BitEqual(Parameters(seed: 7), parameters));
    }

    [Theory, MemberData(nameof(Paths))]
    public void Prefix_AFileWithAPrefix_LoadedWithoutOne_FailsListingBoth_AndNamesThePrefix(string path)
    {
        byte[] file = WithTensors(seed: 7, prefix: "model.encoder.");

        SafetensorsMismatchException e = Fails(path, file);

        Assert.Equal(
            "Missing tensors (the network has them, the file does not): 'fc1.weight' [3, 4], 'fc1.bias' [3], 'fc2.weight' [2, 3], 'fc2.bias' [2]. " +
            "Unexpected tensors (the file has them, the network does not): 'model.encoder.fc1.weight' F32 [3, 4], 'model.encoder.fc1.bias' F32 [3], " +
            "'model.encoder.fc2.weight' F32 [2, 3], 'model.encoder.fc2.bias' F32 [2]. " +
            "The file holds every tensor of the network under the prefix 'model.encoder.': set SafetensorsLoadOptions.Prefix to it.", e.Message);
        Assert.Equal(4, e.MissingTensors.Count);
        Assert.Equal(4, e.UnexpectedTensors.Count);
    }

    [Fact]
    public void Prefix_AFileWithoutAPrefix_LoadedWithOne_FailsAndSaysSo()
    {
        SafetensorsMismatchException e = Fails("stream", SavedLayout(), options: new SafetensorsLoadOptions { Prefix = "encoder." });

        Assert.StartsWith("Missing tensors (the network has them, the file does not): 'encoder.fc1.weight' [3, 4],", e.Message);
        Assert.DoesNotContain("Unexpected", e.Message);   // no name in the file starts with the prefix
        Assert.Contains("The file has 4 tensors: fc1.weight [3, 4], fc1.bias [3], fc2.weight [2, 3], fc2.bias [2].", e.Message);
        Assert.Contains("The file holds every tensor of the network without a prefix: load with no Prefix.", e.Message);
    }

    [Theory, MemberData(nameof(Paths))]
    public void Prefix_TensorsOutsideThePrefix_BelongToOtherModules_AndAreNeitherLoadedNorReported(string path)
    {
        // A whole model: encoder.* is this network; decoder.* and a top-level tensor are other modules.
        float[] values = Parameters(seed: 8);
        var tensors = new List<SafetensorsTensor> { new("decoder.weight", [2, 2], [1, 2, 3, 4]), new("scale", [], [2]) };
        tensors.AddRange(Layout().Select(t => new SafetensorsTensor("encoder." + t.Name, t.Shape.ToArray(), t.Export(values))));
        tensors.Add(new SafetensorsTensor("encoder.extra", [1], [1]));
        using var stream = new MemoryStream();
        Safetensors.Write(stream, tensors);
        byte[] file = stream.ToArray();

        SafetensorsMismatchException strict = Fails(path, file, options: new SafetensorsLoadOptions { Prefix = "encoder." });
        Assert.StartsWith("Unexpected tensors (the file has them under the prefix 'encoder.', the network does not): 'encoder.extra' F32 [1].", strict.Message);
        Assert.Equal(["encoder.extra"], strict.UnexpectedTensors);

        var parameters = new float[LayoutLength];
        SafetensorsLoadResult result = Load(path, file, Layout(), parameters, new SafetensorsLoadOptions { Prefix = "encoder.", Strict = false });
        Assert.Equal(["encoder.extra"], result.UnexpectedTensors);
        Assert.Empty(result.MissingTensors);
        Assert.True(BitEqual(values, parameters));
    }

    [Fact]
    public void Save_WithAPrefix_RejectsAReservedName_AndNoneIsThePlainSave()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => Safetensors.Save(stream, [new ParameterTensor("metadata__", [1], 0)], new float[1], "__"));
        using var plain = new MemoryStream();
        using var empty = new MemoryStream();
        Safetensors.Save(plain, Layout(), Parameters(seed: 1));
        Safetensors.Save(empty, Layout(), Parameters(seed: 1), "");
        Assert.Equal(plain.ToArray(), empty.ToArray());
        Assert.Equal(SavedLayout(seed: 1), plain.ToArray());
    }

    [Fact]
    public void AGeneratedNetwork_LoadsAndSavesWithAPrefix_AndAStrictLoadOfAFileWithExtrasChangesNoWeightOrStatistic()
    {
        var source = new LayerBatchnorm2dNet(1);
        var random = new Random(3);
        foreach (ParameterTensor tensor in source.ParameterTensors)
            tensor.ImportFrom(Enumerable.Range(0, tensor.ElementCount).Select(_ => tensor.IsInteger ? 5f : (float)random.NextDouble()).ToArray(), source.Parameters);
        string file = Path.Combine(Path.GetTempPath(), $"staticnet-{Guid.NewGuid():N}.safetensors");
        try
        {
            source.SaveSafetensors(file, "model.encoder.");
            Assert.All(Safetensors.Read(file).Tensors, t => Assert.StartsWith("model.encoder.", t.Name));

            var target = new LayerBatchnorm2dNet(2);
            float[] before = target.Parameters.ToArray();
            var e = Assert.Throws<SafetensorsMismatchException>(() => target.LoadSafetensors(file));
            Assert.Equal(source.ParameterTensors.Count, e.MissingTensors.Count);
            Assert.Contains(source.ParameterTensors, t => t.Name.EndsWith("running_var", StringComparison.Ordinal));
            Assert.True(BitEqual(before, target.Parameters.ToArray()), "a failed load changed a weight or running statistic");

            SafetensorsLoadResult result = target.LoadSafetensors(file, new SafetensorsLoadOptions { Prefix = "model.encoder." });
            Assert.True(result.IsExactMatch);
            Assert.True(source.Parameters.SequenceEqual(target.Parameters));

            // Through the interface too, from a stream.
            INetwork network = new LayerBatchnorm2dNet(4);
            using (FileStream stream = File.OpenRead(file))
                network.LoadSafetensors(stream, new SafetensorsLoadOptions { Prefix = "model.encoder." });
            Assert.True(source.Parameters.SequenceEqual(network.Parameters));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// A file written by PyTorch (tests/reference/make_fixtures.py) holds the weights after two Adam steps under
    /// <c>adam.</c>, beside the initial ones, the gradients and the data: a strict load from that prefix takes exactly
    /// the network's four tensors and ignores the rest; without a prefix, a strict load fails and lists both sides.
    /// </summary>
    [Fact]
    public void APyTorchFixture_LoadsStrictlyFromAPrefix()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "loss_mse.safetensors");
        SafetensorsFile fixture = Safetensors.Read(path);
        var net = new LossMseNet(1);

        SafetensorsLoadResult result = net.LoadSafetensors(path, new SafetensorsLoadOptions { Prefix = "adam." });

        Assert.True(result.IsExactMatch);
        Assert.Equal(["adam.fc1.weight", "adam.fc1.bias", "adam.fc2.weight", "adam.fc2.bias"], result.LoadedTensors);
        foreach (ParameterTensor tensor in net.ParameterTensors)
            Assert.Equal(fixture.Get("adam." + tensor.Name).Data, tensor.Export(net.Parameters));

        float[] before = net.Parameters.ToArray();
        var e = Assert.Throws<SafetensorsMismatchException>(() => net.LoadSafetensors(path));
        Assert.Empty(e.MissingTensors);
        Assert.Contains("input", e.UnexpectedTensors);
        Assert.Contains("adam.fc1.weight", e.UnexpectedTensors);
        Assert.Equal(fixture.Tensors.Count - 4, e.UnexpectedTensors.Count);
        Assert.True(BitEqual(before, net.Parameters.ToArray()));
    }

    /// <summary>The example of docs/layers.md, "Loading and saving weights", as written there but for the files' directory.</summary>
    [Fact]
    public void TheDocsExample_Runs()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"staticnet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string At(string name) => Path.Combine(directory, name);
        try
        {
            var trained = new DigitsNet(seed: 1);
            using (var model = new MemoryStream())
            {
                trained.SaveSafetensors(model, "encoder.");
                var tensors = Safetensors.Read(new MemoryStream(model.ToArray())).Tensors.ToList();
                tensors.Add(new SafetensorsTensor("decoder.weight", [2, 2], new float[4]));
                using FileStream file = File.Create(At("model.safetensors"));
                Safetensors.Write(file, tensors);
            }
            using (FileStream checkpoint = File.Create(At("checkpoint.safetensors")))
                Safetensors.Write(checkpoint, [new SafetensorsTensor("fc2.bias", [10], new float[10]), new SafetensorsTensor("step", [], [1])]);
            var output = new StringWriter();

            // From docs/layers.md:
            var net = new DigitsNet(seed: 0);

            // The file of a whole PyTorch model whose `encoder` is this network: encoder.fc1.weight, …, decoder.*.
            net.LoadSafetensors(At("model.safetensors"), new SafetensorsLoadOptions { Prefix = "encoder." });

            // A checkpoint that only partly fits: load what matches and see the rest.
            SafetensorsLoadResult result = net.LoadSafetensors(At("checkpoint.safetensors"), new SafetensorsLoadOptions { Strict = false });
            output.WriteLine($"missing: {string.Join(", ", result.MissingTensors)}; unused: {string.Join(", ", result.UnexpectedTensors)}");

            net.SaveSafetensors(At("encoder.safetensors"), prefix: "encoder.");   // encoder.fc1.weight, encoder.fc1.bias, …

            Assert.Equal("missing: fc1.weight, fc1.bias, fc2.weight; unused: step", output.ToString().TrimEnd());
            Assert.Equal(["encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight", "encoder.fc2.bias"], Safetensors.Read(At("encoder.safetensors")).Tensors.Select(t => t.Name));
            Assert.True(trained.ParameterTensors[0].Export(trained.Parameters).AsSpan().SequenceEqual(net.ParameterTensors[0].Export(net.Parameters)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
