using System;
using System.Diagnostics;
using System.IO;

namespace StaticNet.Generator.Tests;

/// <summary>
/// The analyzers in a real <c>dotnet build</c>, as a user gets them: a consumer project that references the runtime,
/// and the generator and analyzers as analyzers, reports the SNET errors at the right file, line and column, and builds
/// cleanly once the source is fixed.
/// </summary>
public class BuildTests
{
    private const string Broken = """
        using StaticNet;

        var good = new Good(seed: 1);
        var output = new float[Good.OutputSize];
        good.Forward(new float[3], output);
        System.Console.WriteLine(output.Length);

        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(1)] partial class Bad { }

        [Input(4)] [Dense(2, Name = "out")] partial class Good { }

        [Input(4)] [Dense(2)] partial class Clash { public void Forward(System.ReadOnlySpan<float> input, System.Span<float> output) { } }
        """;

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.sln")))
            directory = Path.GetDirectoryName(directory);
        return directory ?? throw new InvalidOperationException("StaticNet.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>"Program.cs(line,column)" of the first occurrence of <paramref name="text"/>, 1-based as MSBuild prints it.</summary>
    private static string PositionOf(string source, string text)
    {
        int index = source.IndexOf(text, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{text}' not in the source");
        int line = source[..index].Split('\n').Length;
        int column = index - (source.LastIndexOf('\n', index - 1) + 1) + 1;
        return $"Program.cs({line},{column})";
    }

    [Fact]
    public void BuildReportsAnalyzerErrorsAndSucceedsOnceFixed()
    {
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "staticnet-build-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string Project(string name) => Path.Combine(root, name, name + ".csproj");
            File.WriteAllText(Path.Combine(work, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{Project("StaticNet.Runtime")}" />
                    <ProjectReference Include="{Project("StaticNet.Generator")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                    <ProjectReference Include="{Project("StaticNet.Analyzers")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            string program = Path.Combine(work, "Program.cs");
            string source = Broken.ReplaceLineEndings("\n");
            File.WriteAllText(program, source);

            (int exitCode, string output) = Build(work);
            Assert.True(exitCode != 0, "The broken consumer built:\n" + output);
            Assert.Contains($"{PositionOf(source, "Dense(1)")}: error SNET010", output);
            Assert.Contains($"{PositionOf(source, "new float[3]")}: error SNET020", output);
            Assert.Contains("Program.cs(8,56): error SNET010", output); // the same, written out: line 8, column 56
            Assert.Contains("Program.cs(5,14): error SNET020", output);
            // A member clash is SNET015 on the user's member, in a command-line build too: the generator writes nothing
            // for the class, so the build has no declaration error in generated code (which would stop it before the
            // analyzers run) and no error in a .g.cs file at all.
            Assert.Contains($"{PositionOf(source, "Forward(System.ReadOnlySpan")}: error SNET015", output);
            Assert.DoesNotContain(".g.cs", output);

            File.WriteAllText(program, source
                .Replace("Loss.SoftmaxCrossEntropy", "Loss.BinaryCrossEntropy")
                .Replace("new float[3]", "new float[Good.InputSize]")
                .Replace("public void Forward(System.ReadOnlySpan", "public void Run(System.ReadOnlySpan"));
            (exitCode, output) = Build(work);
            Assert.True(exitCode == 0, "The fixed consumer did not build:\n" + output);
            Assert.Contains("0 Warning(s)", output);
            Assert.Contains("0 Error(s)", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Builds the consumer against the referenced projects' existing Release outputs (the test run has built them):
    /// BuildProjectReferences=false, so it does not race other tests that build or pack those projects.
    /// </summary>
    private static (int ExitCode, string Output) Build(string directory)
    {
        var start = new ProcessStartInfo("dotnet", "build -c Release -tl:off -nodeReuse:false -p:BuildProjectReferences=false -p:UseSharedCompilation=false")
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
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "dotnet build did not finish in 5 minutes");
        return (process.ExitCode, stdout + stderr.Result);
    }
}
