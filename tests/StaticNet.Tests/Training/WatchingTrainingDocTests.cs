using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

public sealed class WatchingTrainingDocTests
{
    // The example of docs/watching-training.md, line for line but for the report's directory.
    private static readonly string[] ExampleLines =
    {
        "var net = new DigitsNet(seed: 1);",
        "Console.WriteLine(net.Summary());   // modules, shapes, parameters, multiply-adds",
        "",
        "var trainer = new Trainer(net, new Adam(1e-3f), new TrainerOptions { Epochs = 20, EarlyStoppingPatience = 3 });",
        "TrainingResult result = trainer.Fit(train, validation, new ConsoleProgress());",
        "",
        "TrainingReport report = TrainingReport.Create(net, result, test, classNames);",
        "report.Title = \"Digits\";",
        "report.Write(\"report.html\");        // open it in any browser; it loads nothing from anywhere",
    };

    [Fact]
    public void TheDocsExampleIsTheCodeRunHere()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "StaticNet.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("StaticNet.sln not found.");
        string doc = File.ReadAllText(Path.Combine(root, "docs", "watching-training.md"));
        Match block = Regex.Match(doc, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "docs/watching-training.md should open with a C# example.");
        Assert.Equal(ExampleLines, block.Groups[1].Value.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void TheDocsExampleRuns()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"staticnet-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            Dataset train = Digits(600, seed: 1), validation = Digits(200, seed: 2), test = Digits(200, seed: 3);
            string[] classNames = Enumerable.Range(0, 10).Select(d => "digit " + d).ToArray();

            // From docs/watching-training.md:
            var net = new DigitsNet(seed: 1);
            Console.WriteLine(net.Summary());   // modules, shapes, parameters, multiply-adds

            var trainer = new Trainer(net, new Adam(1e-3f), new TrainerOptions { Epochs = 20, EarlyStoppingPatience = 3 });
            TrainingResult result = trainer.Fit(train, validation, new ConsoleProgress());

            TrainingReport report = TrainingReport.Create(net, result, test, classNames);
            report.Title = "Digits";
            report.Write(Path.Combine(directory, "report.html"));

            XDocument page = XDocument.Parse(File.ReadAllText(Path.Combine(directory, "report.html")));
            Assert.Equal("Digits", page.Descendants("h1").Single().Value);
            Assert.Equal(64 * 64 + 64 * 10, net.Summary().MultiplyAdds);   // the figure docs/watching-training.md gives
            Assert.True(report.Confusion!.Accuracy > 0.9, $"test accuracy {report.Confusion.Accuracy}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Ten noisy prototypes in 64 dimensions, one per class.</summary>
    private static Dataset Digits(int count, int seed)
    {
        var prototypes = new Random(0);
        var centres = new float[10 * 64];
        for (int i = 0; i < centres.Length; i++) centres[i] = (float)prototypes.NextDouble();
        var random = new Random(seed);
        var features = new float[count * 64];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 10;
            for (int j = 0; j < 64; j++) features[i * 64 + j] = centres[labels[i] * 64 + j] + (float)(random.NextDouble() - 0.5) * 0.6f;
        }
        return Dataset.FromLabels(features, 64, labels, 10);
    }
}
