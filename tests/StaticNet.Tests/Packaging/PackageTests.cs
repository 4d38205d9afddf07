using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace StaticNet.Tests.Packaging;

/// <summary>
/// Packs the StaticNet NuGet package and builds and runs a consumer project against it, as a user would: the runtime
/// from lib/, the generator and analyzers from analyzers/dotnet/cs, nothing from this repository's projects. On the way,
/// checks what a package page shows: the metadata (repository, project URL, licence), the packed README (absolute
/// links only, each resolving in the repository) and the symbols package.
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
                Assert.Contains("build/StaticNet.targets", entries); // <StaticNetOnnx Include="..." />
                Assert.Contains("buildTransitive/StaticNet.targets", entries);
                CheckMetadata(root, ReadEntry(zip, "StaticNet.nuspec"));
                CheckPackedReadme(root, ReadEntry(zip, "README.md"));
            }
            // The symbols package, beside it: the portable PDB of each target framework.
            string symbols = Path.ChangeExtension(package, ".snupkg");
            Assert.True(File.Exists(symbols), $"No symbols package beside {package}: {string.Join(", ", Directory.GetFiles(feed))}");
            using (ZipArchive zip = ZipFile.OpenRead(symbols))
            {
                string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
                Assert.Contains("lib/net8.0/StaticNet.pdb", entries);
                Assert.Contains("lib/netstandard2.1/StaticNet.pdb", entries);
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
                    <StaticNetOnnx Include="models/mlp.onnx" />
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

                // Imported at build time from the package's one line; the constructor reads the embedded model's weights.
                var imported = new ImportedMlp();
                Console.WriteLine($"imported {ImportedMlp.ParameterCount} {imported.ParameterTensors[0].Name} {imported.ParameterTensors[0].Export(imported.Parameters)[0].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");

                [Network(Loss = Loss.BinaryCrossEntropy)]
                [Input(2)]
                [Dense(8, Activation.Tanh, Name = "hidden")]
                [Dense(1, Name = "out")]
                partial class XorNet { }

                [Network(Onnx = "models/mlp.onnx")]
                partial class ImportedMlp { }
                """);

            Directory.CreateDirectory(Path.Combine(consumer, "models"));
            File.Copy(Path.Combine(root, "tests", "reference", "fixtures", "onnx", "mlp.onnx"), Path.Combine(consumer, "models", "mlp.onnx"));
            string output = Run(consumer, "dotnet", "run -c Release");
            Assert.Contains("params 33", output);
            byte[] model = File.ReadAllBytes(Path.Combine(consumer, "models", "mlp.onnx"));
            float first = StaticNet.IO.OnnxModel.Read(model).Graph.Initializers.Single(t => t.Name == "fc1.weight").FloatAt(model, 0);
            Assert.Contains($"imported 3754 fc1.weight {first.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", output);
            Assert.Contains("correct 4/4", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void PackedReadmeCheckRefusesTheRepositoryReadmeAsItIs()
    {
        // The repository's README has relative links (docs/layers.md, ...): the packed-README check must refuse it.
        string root = RepositoryRoot();
        var error = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => CheckPackedReadme(root, File.ReadAllText(Path.Combine(root, "README.md"))));
        Assert.Contains("relative link", error.Message);
    }

    /// <summary>The repository's URL as Directory.Build.props declares it (the one place that names it).</summary>
    private static string RepositoryUrl(string root)
    {
        XDocument props = XDocument.Load(Path.Combine(root, "Directory.Build.props"));
        string url = props.Descendants("RepositoryUrl").Single().Value;
        Assert.Matches(@"^https://github\.com/[^/]+/[^/]+$", url);
        return url;
    }

    private static string ReadEntry(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>The nuspec names the repository, its project page and the MIT licence; the repository has a LICENSE.</summary>
    private static void CheckMetadata(string root, string nuspecText)
    {
        string url = RepositoryUrl(root);
        XElement metadata = XDocument.Parse(nuspecText).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        XElement Element(string name) => metadata.Elements().Single(e => e.Name.LocalName == name);
        Assert.Equal(url, Element("projectUrl").Value);
        Assert.Equal(url, Element("repository").Attribute("url")!.Value);
        Assert.Equal("git", Element("repository").Attribute("type")!.Value);
        Assert.Equal("MIT", Element("license").Value);
        Assert.Equal("expression", Element("license").Attribute("type")!.Value);
        Assert.Equal("README.md", Element("readme").Value);
        string license = File.ReadAllText(Path.Combine(root, "LICENSE"));
        Assert.StartsWith("MIT License", license);
        Assert.Contains("Permission is hereby granted, free of charge", license);
    }

    /// <summary>
    /// The packed README is the repository's with its relative links made absolute: outside code blocks, every link is
    /// absolute or an anchor, every link into the repository names a file or directory that exists in it, and nothing
    /// else differs from README.md. It starts with the install instructions.
    /// </summary>
    private static void CheckPackedReadme(string root, string packed)
    {
        string url = RepositoryUrl(root);
        var link = new Regex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)[^)]*\)|^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline);
        var intoRepository = new Regex("^" + Regex.Escape(url) + "/(blob|raw|tree)/main/(?<path>[^#?]*)");
        string[] lines = packed.ReplaceLineEndings("\n").Split('\n');
        int links = 0, repositoryLinks = 0;
        bool inCode = false;
        foreach (string line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
            if (inCode) continue;
            foreach (Match match in link.Matches(line))
            {
                string target = match.Groups["target"].Value;
                links++;
                Assert.True(target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith('#'),
                    $"The packed README has a relative link, which breaks on the package's page: {target}\n  in: {line}");
                Match inside = intoRepository.Match(target);
                if (!inside.Success) continue;
                repositoryLinks++;
                string path = Path.Combine(root, inside.Groups["path"].Value.Replace('/', Path.DirectorySeparatorChar));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"The packed README links to {target}, which is not in the repository ({path}).");
            }
        }
        Assert.True(repositoryLinks >= 5, $"Expected the README's links into the repository (docs/...); found {repositoryLinks} of {links} links.");
        Assert.Contains("## Install\n\n```sh\ndotnet add package StaticNet\n```", packed.ReplaceLineEndings("\n"));
        Assert.StartsWith("# StaticNet\n\n## Install\n", packed.ReplaceLineEndings("\n"));

        // Only the links changed: putting the relative targets back gives the repository's README.
        string original = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        string restored = Regex.Replace(packed.ReplaceLineEndings("\n"), @"(\]\(|\]:\s*)" + Regex.Escape(url) + "/(blob|raw)/main/", "$1");
        Assert.Equal(original.TrimEnd('\n'), restored.TrimEnd('\n'));
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
