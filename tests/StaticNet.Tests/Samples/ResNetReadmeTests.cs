using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>
/// samples/ResNet/README.md reports runs whose logs are committed next to it: every figure it states about them
/// (per-epoch test accuracies, final accuracy, training seconds, parameters and multiply-adds) is the log's.
/// </summary>
public class ResNetReadmeTests
{
    private static readonly string Directory = Path.Combine(Root(), "samples", "ResNet");

    [Fact]
    public void FifteenEpochTableAndTotalsAreTheLogs()
    {
        string readme = File.ReadAllText(Path.Combine(Directory, "README.md"));
        string log = File.ReadAllText(Path.Combine(Directory, "run-15-epochs.log"));

        string[] logged = Regex.Matches(log, @"^ +(\d+) +([0-9.]+) %", RegexOptions.Multiline).Select(m => m.Groups[2].Value).ToArray();
        Assert.Equal(15, logged.Length);
        Match row = Regex.Match(readme, @"^\| test accuracy \(%\) \|(.*)\|$", RegexOptions.Multiline);
        Assert.True(row.Success, "Expected the README's 15-epoch table row '| test accuracy (%) | … |'; found none.");
        string[] stated = row.Groups[1].Value.Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal(logged, stated);

        Match total = Regex.Match(log, @"Trained 15 epochs in ([0-9.]+) s");
        Match final = Regex.Match(log, @"Test accuracy ([0-9.]+) % \(macro F1 ([0-9.]+) %\)");
        Assert.True(total.Success && final.Success, "Expected the log's 'Trained 15 epochs in … s' and 'Test accuracy … %' lines.");
        string seconds = double.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture);
        string flat = Regex.Replace(readme, @"\s+", " ");
        Assert.Contains($"**{seconds} s of training**", flat);
        Assert.Contains($"**{final.Groups[1].Value} %** test accuracy (macro F1 {final.Groups[2].Value} %)", flat);
        Assert.True(double.Parse(final.Groups[1].Value, CultureInfo.InvariantCulture) >= 93.0,
            $"The README says 93.0 % is reached; the log's final accuracy is {final.Groups[1].Value} %.");
    }

    [Fact]
    public void PyTorchRowAndTotalAreItsLogs()
    {
        string readme = File.ReadAllText(Path.Combine(Directory, "README.md"));
        string log = File.ReadAllText(Path.Combine(Directory, "pytorch-15-epochs.log"));
        string[] logged = Regex.Matches(log, @"^epoch (\d+): .*test accuracy ([0-9.]+),", RegexOptions.Multiline)
            .Select(m => (double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * 100).ToString("F2", CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(15, logged.Length);
        Match row = Regex.Match(readme, @"^\| PyTorch 1\.13 \(%\) \|(.*)\|$", RegexOptions.Multiline);
        Assert.True(row.Success, "Expected the README's row '| PyTorch 1.13 (%) | … |'; found none.");
        Assert.Equal(logged, row.Groups[1].Value.Split('|').Select(c => c.Trim()).ToArray());
        Match staticRow = Regex.Match(readme, @"^\| StaticNet \(%\) \|(.*)\|$", RegexOptions.Multiline);
        string[] staticLogged = Regex.Matches(File.ReadAllText(Path.Combine(Directory, "run-15-epochs.log")), @"^ +(\d+) +([0-9.]+) %", RegexOptions.Multiline)
            .Select(m => m.Groups[2].Value).ToArray();
        Assert.Equal(staticLogged, staticRow.Groups[1].Value.Split('|').Select(c => c.Trim()).ToArray());
        Match total = Regex.Match(log, @"15 epochs: test accuracy ([0-9.]+), ([0-9.]+) s");
        Assert.True(total.Success, "Expected PyTorch's '15 epochs: test accuracy …, … s' line.");
        string flat = Regex.Replace(readme, @"\s+", " ");
        Assert.Contains($"ends at **{double.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture) * 100:F2} %**", flat);
        Assert.Contains($"Its {Math.Round(double.Parse(total.Groups[2].Value, CultureInfo.InvariantCulture)).ToString("N0", CultureInfo.InvariantCulture)} s of training", flat);
    }

    [Fact]
    public void SizesStatedAreTheOnesTheSamplePrinted()
    {
        string readme = File.ReadAllText(Path.Combine(Directory, "README.md"));
        string log = File.ReadAllText(Path.Combine(Directory, "run-15-epochs.log"));
        string parameters = Regex.Match(log, @"Trainable parameters: ([0-9,]+)").Groups[1].Value;
        string multiplyAdds = Regex.Match(log, @"Mult-adds per sample: ([0-9,]+)").Groups[1].Value;
        Assert.Equal("38,266", parameters);
        Assert.Equal("10,217,408", multiplyAdds);
        Assert.Contains($"{parameters} parameters and {multiplyAdds} multiply-adds", Regex.Replace(readme, @"\s+", " "));
    }

    private static string Root([CallerFilePath] string path = "")
    {
        string directory = Path.GetDirectoryName(path)!;
        while (!File.Exists(Path.Combine(directory, "StaticNet.sln"))) directory = Path.GetDirectoryName(directory)!;
        return directory;
    }
}
