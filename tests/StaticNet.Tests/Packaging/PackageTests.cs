using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace StaticNet.Tests.Packaging;

/// <summary>
/// Packs the StaticNet NuGet package and builds and runs a consumer project against it, as a user would: the runtime
/// from lib/, the generator and analyzers from analyzers/dotnet/cs, nothing from this repository's projects.
/// </summary>
[Collection("dotnet CLI")]
public class PackageTests
{
    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void PackedPackageBuildsAndRunsAConsumer()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "staticnet-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed");
        string consumer = Path.Combine(work, "consumer");
        Directory.CreateDirectory(consumer);
        try
        {
            Run(root, "dotnet", $"pack StaticNet.Runtime/StaticNet.Runtime.csproj -c Release -o \"{feed}\"");
            string package = Directory.GetFiles(feed, "StaticNet.*.nupkg").Single();
            using (ZipArchive zip = ZipFile.OpenRead(package))
            {
                string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
                Assert.Contains("lib/net8.0/StaticNet.dll", entries);
                Assert.Contains("lib/net8.0/StaticNet.xml", entries);
                Assert.Contains("lib/netstandard2.1/StaticNet.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/StaticNet.Generator.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/StaticNet.Analyzers.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/StaticNet.CodeFixes.dll", entries);
                Assert.Contains("README.md", entries);
            }
            string version = Path.GetFileNameWithoutExtension(package)["StaticNet.".Length..];

            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="staticnet-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <RestorePackagesPath>{Path.Combine(work, "packages")}</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="StaticNet" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using System;
                using StaticNet;
                using StaticNet.Optimizers;

                var net = new XorNet(seed: 3);
                float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
                float[] targets = [0, 1, 1, 0];
                var adam = new Adam(0.05f);
                float loss = 0;
                for (int i = 0; i < 500; i++) loss = net.TrainStep(inputs, targets, adam);
                var output = new float[XorNet.OutputSize];
                int correct = 0;
                for (int i = 0; i < 4; i++)
                {
                    net.Forward(inputs.AsSpan(2 * i, 2), output);
                    if ((output[0] > 0) == (targets[i] > 0.5f)) correct++;
                }
                Console.WriteLine($"params {XorNet.ParameterCount} loss {loss:F4} correct {correct}/4");

                [Network(Loss = Loss.BinaryCrossEntropy)]
                [Input(2)]
                [Dense(8, Activation.Tanh, Name = "hidden")]
                [Dense(1, Name = "out")]
                partial class XorNet { }
                """);

            string output = Run(consumer, "dotnet", "run -c Release");
            Assert.Contains("params 33", output);
            Assert.Contains("correct 4/4", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
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
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{fileName} {arguments} did not finish in 10 minutes");
        Assert.True(process.ExitCode == 0, $"{fileName} {arguments} failed with exit code {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
