using System;
using System.IO;
using StaticNet.IO;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Networks;

/// <summary>Weights compiled into the assembly, and loading safetensors bytes in place.</summary>
public class EmbeddedWeightsTests
{
    [Fact]
    public void EmbeddedWeightsLoadLikeTheFile()
    {
        var embedded = new EmbeddedMseNet(1);
        embedded.LoadEmbeddedWeights();
        var fromFile = new LossMseNet(2);
        using (FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", "loss_mse.safetensors")))
            LoadFixtureWeights(fromFile, stream);
        Assert.True(fromFile.Parameters.SequenceEqual(embedded.Parameters));
    }

    [Fact]
    public void AMissingResourceSaysWhatTheAssemblyHas()
    {
        var network = new MissingWeightsNet(1);
        float[] before = network.Parameters.ToArray();
        var error = Assert.Throws<FileNotFoundException>(() => network.LoadEmbeddedWeights());
        Assert.Contains("'missing.safetensors'", error.Message);
        Assert.Contains("loss_mse.safetensors", error.Message);
        Assert.Contains("EmbeddedResource", error.Message);
        Assert.True(before.AsSpan().SequenceEqual(network.Parameters));
    }

    [Fact]
    public void LoadingFromMemoryAllocatesNothingInProportionToTheWeights()
    {
        var source = new MnistNet(1);           // 101,770 parameters: 407 KB as float32
        using var stream = new MemoryStream();
        source.SaveSafetensors(stream);
        byte[] file = stream.ToArray();
        var target = new MnistNet(2);

        Safetensors.Load(file, target.ParameterTensors, target.Parameters); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Safetensors.Load(file, target.ParameterTensors, target.Parameters);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(source.Parameters.SequenceEqual(target.Parameters));
        Assert.True(allocated < 16_384, $"loading {file.Length:N0} bytes allocated {allocated:N0} bytes");
    }

    [Fact]
    public void LoadingBadBytesFromMemoryLeavesTheWeightsUnchanged()
    {
        var source = new LossMseNet(1);
        using var stream = new MemoryStream();
        source.SaveSafetensors(stream);
        byte[] file = stream.ToArray();
        var target = new LossMseNet(2);
        float[] before = target.Parameters.ToArray();

        Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(file.AsSpan(0, file.Length - 1), target.ParameterTensors, target.Parameters));
        Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(file.AsSpan(0, 20), target.ParameterTensors, target.Parameters));
        Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(ReadOnlySpan<byte>.Empty, target.ParameterTensors, target.Parameters));
        var wrongShape = new MnistNet(3);
        Assert.Throws<SafetensorsMismatchException>(() => Safetensors.Load(file, wrongShape.ParameterTensors, wrongShape.Parameters));
        Assert.True(before.AsSpan().SequenceEqual(target.Parameters));
    }
}
