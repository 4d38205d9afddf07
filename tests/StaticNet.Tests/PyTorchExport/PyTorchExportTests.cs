using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.PyTorchExport;

/// <summary>A fact that runs only where /usr/bin/python3 imports torch (Debian: apt-get install python3-torch).</summary>
public sealed class TorchFactAttribute : FactAttribute
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> s_missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} does not exist";
        try
        {
            var start = new ProcessStartInfo(Python, "-c \"import torch\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{Python} cannot import torch ({error.Trim().Split('\n').LastOrDefault()})";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return $"{Python} does not run ({e.Message})";
        }
    });

    public TorchFactAttribute()
    {
        if (s_missing.Value is string why)
            Skip = $"The PyTorch exporter's tests (tools/staticnet_export.py, the docs/pytorch.md walkthrough) need torch: {why}. Install it with apt-get install python3-torch.";
    }
}

/// <summary>
/// The walkthrough of docs/pytorch.md, end to end: tools/pytorch_walkthrough.py trains small models in PyTorch and
/// exports each with tools/staticnet_export.py (declaration, weights, reference outputs, check); a consumer project
/// compiles the declarations with the generator, runs every exported check (strict load, Forward, compared with
/// PyTorch to 1e-5), trains the MLP in StaticNet and saves it; and PyTorch loads that file with strict=True and
/// computes StaticNet's outputs.
/// </summary>
[Collection("dotnet CLI")]
public class PyTorchExportTests(ITestOutputHelper log)
{
    private const string Program = """
        using System;
        using System.Collections.Generic;
        using System.Globalization;
        using System.IO;
        using StaticNet.IO;
        using StaticNet.Optimizers;

        namespace Walkthrough
        {
            public static class Program
            {
                public static void Main(string[] args)
                {
                    string dir = args[0];
                    // CHECKS
                    // The way back: train the exported MLP in StaticNet, save it, and write its outputs for PyTorch.
                    var net = new Mlp();
                    net.LoadSafetensors(Path.Combine(dir, "Mlp.safetensors"));
                    SafetensorsFile train = Safetensors.Read(Path.Combine(dir, "Mlp.train.safetensors"));
                    float[] inputs = train.Get("input").Data;
                    float[] labelFloats = train.Get("labels").Data;
                    var labels = new int[labelFloats.Length];
                    for (int i = 0; i < labels.Length; i++) labels[i] = (int)labelFloats[i];
                    var adam = new Adam(learningRate: 0.01f);
                    for (int step = 0; step < 5; step++) net.TrainStep(inputs, labels, adam);
                    net.SaveSafetensors(Path.Combine(dir, "Mlp.trained.safetensors"));
                    var outputs = new float[labels.Length * Mlp.OutputSize];
                    net.ForwardBatch(inputs, outputs);
                    using (var stream = File.Create(Path.Combine(dir, "Mlp.trained-output.safetensors")))
                        Safetensors.Write(stream, new List<SafetensorsTensor>
                        {
                            new SafetensorsTensor("input", new[] { labels.Length, Mlp.InputSize }, inputs),
                            new SafetensorsTensor("output", new[] { labels.Length, Mlp.OutputSize }, outputs),
                        });
                }
            }
        }
        """;

    [TorchFact]
    public void TrainInPyTorchExportBuildAndGetTheSameOutputs()
    {
        var clock = Stopwatch.StartNew();
        string root = RepositoryRoot();
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string work = Path.Combine(Path.GetTempPath(), "staticnet-export-" + Guid.NewGuid().ToString("N"));
        string export = Path.Combine(work, "export");
        Directory.CreateDirectory(export);
        try
        {
            // 1. PyTorch: train (seeded) and export.
            string script = Path.Combine(root, "tools", "pytorch_walkthrough.py");
            using JsonDocument manifest = JsonDocument.Parse(Run(work, TorchFactAttribute.Python, $"\"{script}\" export \"{export}\"").Trim().Split('\n').Last());
            string[] classes = manifest.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Contains("Mlp", classes);
            Assert.Contains("Cnn", classes);
            Assert.Contains("ConvBnRelu", classes);     // Conv2d -> BatchNorm2d -> ReLU: a stand-alone [ReLU]
            Assert.Contains("BnActivations", classes);  // BatchNorm1d -> SiLU, ELU(0.5), LeakyReLU(0.2) stand-alone
            Assert.Contains("RecurrentStack", classes); // nn.LSTM(num_layers=2, dropout) -> bidirectional 2-layer nn.GRU
            Assert.Contains("[GRU(6, NumLayers = 2, Bidirectional = true, Name = \"2\")]", File.ReadAllText(Path.Combine(export, "RecurrentStack.cs")));
            string mlp = File.ReadAllText(Path.Combine(export, "Mlp.cs"));
            Assert.Contains("[Dense(32, Activation.ReLU, Name = \"0\")]", mlp);
            Assert.Contains("[Dense(10, Name = \"2\")]", mlp);
            log.WriteLine($"exported {string.Join(", ", classes)} in {clock.Elapsed.TotalSeconds:F1} s");

            // 2. C#: a project that compiles the exported declarations and checks (export/*.cs, by the SDK's default globs), with StaticNet and its generator.
            File.WriteAllText(Path.Combine(work, "Walkthrough.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{Path.Combine(root, "StaticNet.Runtime", "StaticNet.Runtime.csproj")}" />
                    <ProjectReference Include="{Path.Combine(root, "StaticNet.Generator", "StaticNet.Generator.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                    <ProjectReference Include="{Path.Combine(root, "StaticNet.Analyzers", "StaticNet.Analyzers.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            var checks = new StringBuilder();
            foreach (string name in classes)
                checks.Append($"Console.WriteLine(\"{name} \" + {name}PyTorchCheck.Verify(Path.Combine(dir, \"{name}.safetensors\"), Path.Combine(dir, \"{name}.check.safetensors\")).ToString(\"R\", CultureInfo.InvariantCulture));\n                    ");
            File.WriteAllText(Path.Combine(work, "Program.cs"), Program.Replace("// CHECKS", checks.ToString()));
            // The solution build (or this test project's) has built the runtime, generator and analyzers already.
            Run(work, "dotnet", $"build -c {configuration} -p:BuildProjectReferences=false -nologo -v:q");
            log.WriteLine($"built at {clock.Elapsed.TotalSeconds:F1} s");

            // 3. Run it: every check within 1e-5 of PyTorch, then StaticNet trains the MLP and saves it.
            string dll = Path.Combine(work, "bin", configuration, "net10.0", "Walkthrough.dll");
            string output = Run(work, "dotnet", $"\"{dll}\" \"{export}\"");
            log.WriteLine(output);
            foreach (string name in classes)
            {
                string line = output.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
                float difference = float.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
                Assert.True(difference <= 1e-5f, $"{name}: StaticNet differs from PyTorch by {difference}");
            }

            // 4. Back to PyTorch: load_state_dict(strict=True) of StaticNet's file, the same outputs.
            string back = Run(work, TorchFactAttribute.Python, $"\"{script}\" back \"{export}\"");
            log.WriteLine(back);
            using JsonDocument result = JsonDocument.Parse(back.Trim().Split('\n').Last());
            Assert.True(result.RootElement.GetProperty("max_abs_diff").GetDouble() <= 1e-5, back);
            log.WriteLine($"walkthrough took {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The exporter's own tests (tools/test_staticnet_export.py): names, options, and its errors.</summary>
    [TorchFact]
    public void ExporterRejectsWhatStaticNetCannotExpressNamingTheModule()
    {
        string root = RepositoryRoot();
        string output = Run(root, TorchFactAttribute.Python, "-m unittest -v test_staticnet_export", Path.Combine(root, "tools"), stderrAlso: true);
        log.WriteLine(output);
    }

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string directory, string fileName, string arguments, string? workingDirectory = null, bool stderrAlso = false)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory ?? directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{fileName} {arguments} did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"{fileName} {arguments} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
        return stdout + (stderrAlso ? stderr.Result : "");
    }
}
