using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Packaging;

/// <summary>The dotnet CLI tests run one at a time: both build StaticNet.Runtime's outputs or restore its project.</summary>
[CollectionDefinition("dotnet CLI", DisableParallelization = true)]
public class DotnetCliCollection { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.Tanh)]
[Dense(4)]
public partial class NetStandardPolicy { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(2, 8, 8)]
[Conv2D(4, 3, Activation.ReLU, Padding = 1)]
[MaxPool2D(2)]
[BatchNorm]
[Flatten]
[Dropout(0.25f)]
[Dense(3)]
public partial class NetStandardCnn { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5, 2)]
[LSTM(4, ReturnSequences = true)]
[GRU(3, ReturnSequences = true)]
[Dense(2)]
public partial class NetStandardSequence { }

/// <summary>
/// Builds a netstandard2.1 class library (LangVersion 9, as Unity compiles) against the netstandard2.1 StaticNet.dll
/// with the generator and analyzers, loads it with that StaticNet.dll (and its package dependencies) into a separate
/// AssemblyLoadContext, and checks that it computes what the net8.0 build computes here: a forward pass, one SGD
/// TrainStep, and the forward pass after it, on the Vector&lt;float&gt; path and on the scalar path; and the same for a
/// network of the convolution family (with BatchNorm and Dropout) and a stacked LSTM/GRU network, with its streaming Step.
/// </summary>
[Collection("dotnet CLI")]
public class NetStandardTests
{
    private const string ConsumerSource = """
        using System.IO;
        using StaticNet;
        using StaticNet.Optimizers;

        namespace Ns21Consumer
        {
            [Network(Loss = Loss.MeanSquaredError)]
            [Input(16)]
            [Dense(64, Activation.ReLU)]
            [Dense(64, Activation.Tanh)]
            [Dense(4)]
            public partial class Policy { }

            [Network(Loss = Loss.MeanSquaredError)]
            [Input(2, 8, 8)]
            [Conv2D(4, 3, Activation.ReLU, Padding = 1)]
            [MaxPool2D(2)]
            [BatchNorm]
            [Flatten]
            [Dropout(0.25f)]
            [Dense(3)]
            public partial class Cnn { }

            [Network(Loss = Loss.MeanSquaredError)]
            [Input(5, 2)]
            [LSTM(4, ReturnSequences = true)]
            [GRU(3, ReturnSequences = true)]
            [Dense(2)]
            public partial class Sequence { }

            public static class Entry
            {
                /// <summary>Forward (4), TrainStep loss (1), forward after the step (4).</summary>
                public static float[] Run(byte[] weights, float[] input, float[] target)
                {
                    var net = new Policy();
                    net.LoadSafetensors(new MemoryStream(weights));
                    var result = new float[9];
                    var output = new float[Policy.OutputSize];
                    net.Forward(input, output);
                    output.CopyTo(result, 0);
                    result[4] = net.TrainStep(input, target, new Sgd(0.1f));
                    net.Forward(input, output);
                    output.CopyTo(result, 5);
                    return result;
                }

                /// <summary>The CNN's and the sequence network's forward, training step and forward again, and Step.</summary>
                public static float[] RunLayers(byte[] cnnWeights, byte[] sequenceWeights, float[] image, float[] sequence)
                {
                    var cnn = new Cnn(3);
                    cnn.LoadSafetensors(new MemoryStream(cnnWeights));
                    var seq = new Sequence(4);
                    seq.LoadSafetensors(new MemoryStream(sequenceWeights));
                    return Collect(cnn, seq, image, sequence);
                }

                public static float[] Collect(Cnn cnn, Sequence seq, float[] image, float[] sequence)
                {
                    var result = new System.Collections.Generic.List<float>();
                    var y = new float[Cnn.OutputSize];
                    var batch = new float[2 * Cnn.InputSize];
                    image.CopyTo(batch, 0);
                    for (int i = 0; i < image.Length; i++) batch[Cnn.InputSize + i] = -image[i];
                    cnn.Forward(image, y);
                    result.AddRange(y);
                    result.Add(cnn.TrainStep(batch, new float[2 * Cnn.OutputSize], new Sgd(0.1f)));
                    cnn.Forward(image, y);
                    result.AddRange(y);
                    var z = new float[Sequence.OutputSize];
                    seq.Forward(sequence, z);
                    result.AddRange(z);
                    result.Add(seq.TrainStep(sequence, new float[Sequence.OutputSize], new Sgd(0.1f)));
                    var step = new float[Sequence.StepOutputSize];
                    for (int t = 0; t < 5; t++)
                    {
                        seq.Step(new System.ReadOnlySpan<float>(sequence, 2 * t, 2), step);
                        result.AddRange(step);
                    }
                    return result.ToArray();
                }
            }
        }
        """;

    [Fact]
    public void NetStandardBuildMatchesTheNet8Build()
    {
        string root = RepositoryRoot();
        string runtimeProject = Path.Combine(root, "StaticNet.Runtime", "StaticNet.Runtime.csproj");
        string work = Path.Combine(Path.GetTempPath(), "staticnet-ns21-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // The solution build has built StaticNet.Runtime for both targets (and the generator and analyzers), so the
            // consumer does not build them again; if this test runs alone, build the runtime's netstandard2.1 target.
            string ns21Dll = Path.Combine(root, "StaticNet.Runtime", "bin", "Release", "netstandard2.1", "StaticNet.dll");
            if (!File.Exists(ns21Dll))
                Run(root, "dotnet", $"build \"{runtimeProject}\" -c Release -f netstandard2.1");

            File.WriteAllText(Path.Combine(work, "Ns21Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>netstandard2.1</TargetFramework>
                    <LangVersion>9</LangVersion>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>
                    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{runtimeProject}" />
                    <ProjectReference Include="{Path.Combine(root, "StaticNet.Generator", "StaticNet.Generator.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                    <ProjectReference Include="{Path.Combine(root, "StaticNet.Analyzers", "StaticNet.Analyzers.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(work, "Entry.cs"), ConsumerSource);
            Run(work, "dotnet", "build -c Release -p:BuildProjectReferences=false");

            string bin = Path.Combine(work, "bin", "Release", "netstandard2.1");
            Assert.True(File.Exists(Path.Combine(bin, "StaticNet.dll")), "StaticNet.dll not copied to " + bin);
            Assert.Equal(
                File.ReadAllBytes(ns21Dll),
                File.ReadAllBytes(Path.Combine(bin, "StaticNet.dll")));

            // The same network, weights and data in-process, on the net8.0 build.
            var reference = new NetStandardPolicy(seed: 11);
            var weights = new MemoryStream();
            reference.SaveSafetensors(weights);
            var random = new Random(5);
            float[] input = Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] target = Enumerable.Range(0, 4).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var expected = new float[9];
            var output = new float[NetStandardPolicy.OutputSize];
            reference.Forward(input, output);
            output.CopyTo(expected, 0);
            expected[4] = reference.TrainStep(input, target, new Sgd(0.1f));
            reference.Forward(input, output);
            output.CopyTo(expected, 5);

            // The convolution family and the recurrent layers: the same computation on the net8.0 build.
            var cnnReference = new NetStandardCnn(seed: 12);
            var sequenceReference = new NetStandardSequence(seed: 13);
            var cnnWeights = new MemoryStream();
            cnnReference.SaveSafetensors(cnnWeights);
            var sequenceWeights = new MemoryStream();
            sequenceReference.SaveSafetensors(sequenceWeights);
            float[] image = Enumerable.Range(0, NetStandardCnn.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] sequence = Enumerable.Range(0, NetStandardSequence.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] layersExpected = CollectLayers(new NetStandardCnn(3), cnnWeights.ToArray(), new NetStandardSequence(4), sequenceWeights.ToArray(), image, sequence);

            var context = new ConsumerLoadContext(bin);
            try
            {
                Assembly consumer = context.LoadFromAssemblyPath(Path.Combine(bin, "Ns21Consumer.dll"));
                Assembly staticNet = context.LoadFromAssemblyName(new AssemblyName("StaticNet"));
                Assert.NotSame(typeof(NetStandardPolicy).Assembly.GetType("StaticNet.Kernels.DenseKernels"), staticNet.GetType("StaticNet.Kernels.DenseKernels"));
                Assert.Equal(".NETStandard,Version=v2.1", staticNet.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>()!.FrameworkName);
                MethodInfo run = consumer.GetType("Ns21Consumer.Entry", throwOnError: true)!.GetMethod("Run")!;
                // Both netstandard2.1 paths: Vector<float> (where accelerated, as on this machine) and the scalar loops.
                PropertyInfo forceScalar = staticNet.GetType("StaticNet.Kernels.KernelOptions", throwOnError: true)!
                    .GetProperty("ForceScalar", BindingFlags.NonPublic | BindingFlags.Static)!;
                foreach (bool scalar in new[] { false, true })
                {
                    forceScalar.SetValue(null, scalar);
                    try
                    {
                        var actual = (float[])run.Invoke(null, [weights.ToArray(), input, target])!;
                        Assert.Equal(9, actual.Length);
                        for (int i = 0; i < expected.Length; i++)
                            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f, $"element {i} (scalar {scalar}): net8.0 {expected[i]}, netstandard2.1 {actual[i]}");
                    }
                    finally
                    {
                        forceScalar.SetValue(null, false);
                    }
                }
                Assert.NotEqual(expected[0], expected[5]); // the step changed the weights

                MethodInfo runLayers = consumer.GetType("Ns21Consumer.Entry", throwOnError: true)!.GetMethod("RunLayers")!;
                foreach (bool scalar in new[] { false, true })
                {
                    forceScalar.SetValue(null, scalar);
                    try
                    {
                        var actual = (float[])runLayers.Invoke(null, [cnnWeights.ToArray(), sequenceWeights.ToArray(), image, sequence])!;
                        Assert.Equal(layersExpected.Length, actual.Length);
                        for (int i = 0; i < layersExpected.Length; i++)
                            Assert.True(Math.Abs(layersExpected[i] - actual[i]) <= 1e-4f * Math.Max(1f, Math.Abs(layersExpected[i])),
                                $"layers element {i} (scalar {scalar}): net8.0 {layersExpected[i]}, netstandard2.1 {actual[i]}");
                    }
                    finally
                    {
                        forceScalar.SetValue(null, false);
                    }
                }
            }
            finally
            {
                context.Unload();
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>What the consumer's <c>Entry.Collect</c> computes, on this build's networks.</summary>
    private static float[] CollectLayers(NetStandardCnn cnn, byte[] cnnWeights, NetStandardSequence seq, byte[] sequenceWeights, float[] image, float[] sequence)
    {
        cnn.LoadSafetensors(new MemoryStream(cnnWeights));
        seq.LoadSafetensors(new MemoryStream(sequenceWeights));
        var result = new System.Collections.Generic.List<float>();
        var y = new float[NetStandardCnn.OutputSize];
        var batch = new float[2 * NetStandardCnn.InputSize];
        image.CopyTo(batch, 0);
        for (int i = 0; i < image.Length; i++) batch[NetStandardCnn.InputSize + i] = -image[i];
        cnn.Forward(image, y);
        result.AddRange(y);
        result.Add(cnn.TrainStep(batch, new float[2 * NetStandardCnn.OutputSize], new Sgd(0.1f)));
        cnn.Forward(image, y);
        result.AddRange(y);
        var z = new float[NetStandardSequence.OutputSize];
        seq.Forward(sequence, z);
        result.AddRange(z);
        result.Add(seq.TrainStep(sequence, new float[NetStandardSequence.OutputSize], new Sgd(0.1f)));
        var step = new float[NetStandardSequence.StepOutputSize];
        for (int t = 0; t < 5; t++)
        {
            seq.Step(sequence.AsSpan(2 * t, 2), step);
            result.AddRange(step);
        }
        return result.ToArray();
    }

    /// <summary>
    /// Loads the consumer's own dependencies (StaticNet, System.Numerics.Tensors, …) from its output directory, and
    /// whatever the shared framework has (System.Memory, System.Text.Json, …) from the framework, as a netstandard
    /// host would.
    /// </summary>
    private sealed class ConsumerLoadContext(string directory) : AssemblyLoadContext("staticnet-ns21", isCollectible: true)
    {
        private static readonly string s_framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

        protected override Assembly? Load(AssemblyName name)
        {
            if (File.Exists(Path.Combine(s_framework, name.Name + ".dll")))
                return null;
            string path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string directory, string fileName, string arguments)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{fileName} {arguments} did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"{fileName} {arguments} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
