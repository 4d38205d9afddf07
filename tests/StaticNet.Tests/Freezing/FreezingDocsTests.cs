using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Freezing;

// The example of docs/layers.md, "Freezing and fine-tuning", as written there (FreezingDocsTests checks it is verbatim).
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Activation.ReLU, Padding = 1, Trainable = false)] // "0": frozen for good, no gradient code
[MaxPool2D(2)]
[Conv2D(32, 3, Activation.ReLU, Padding = 1)]                    // "3"
[MaxPool2D(2)]
[Flatten]
[Dense(128, Activation.ReLU)]                                    // "7"
[Dense(5, Name = "head")]
public partial class FineTuneCnn { }

public class FreezingDocsTests
{
    static void FineTune(Dataset fewShot, string pretrained)
    {
        var network = new FineTuneCnn(seed: 1);
        network.LoadSafetensors(pretrained, new SafetensorsLoadOptions { Strict = false }); // all but the new head
        network.Freeze("3");                                  // until Unfreeze("3"): only "7" and "head" train
        new Trainer(network, new Adam(1e-3f), new TrainerOptions { Epochs = 30 }).Fit(fewShot);
        network.Unfreeze("3");                                // then fine-tune the second convolution too, gently
        new Trainer(network, new Adam(1e-4f), new TrainerOptions { Epochs = 5 }).Fit(fewShot);
    }

    private static string Normalize(string text) =>
        string.Join("\n", text.Replace("\r", "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [Fact]
    public void TheDocsExampleIsThisFileVerbatim()
    {
        string root = RepositoryRoot();
        string docs = File.ReadAllText(Path.Combine(root, "docs", "layers.md"));
        int section = docs.IndexOf("## Freezing and fine-tuning", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/layers.md has no Freezing section");
        int start = docs.IndexOf("```csharp", section, StringComparison.Ordinal) + "```csharp".Length;
        int end = docs.IndexOf("```", start, StringComparison.Ordinal);
        string block = Normalize(docs[start..end]);
        string source = Normalize(File.ReadAllText(ThisFile()));
        foreach (string line in block.Split('\n'))
            Assert.Contains(line, source);
        Assert.Contains(block.Split('\n')[0] + "\n" + block.Split('\n')[1], source);
    }

    [Fact]
    public void TheDocsExampleRuns()
    {
        string path = Path.Combine(Path.GetTempPath(), $"freezing-docs-{Environment.ProcessId}.safetensors");
        try
        {
            var pretrained = new FineTuneCnn(seed: 7);
            pretrained.SaveSafetensors(path);
            var random = new Random(3);
            float[] features = Enumerable.Range(0, 8 * 784).Select(_ => (float)random.NextDouble()).ToArray();
            Dataset fewShot = Dataset.FromLabels(features, 784, new[] { 0, 1, 2, 3, 4, 0, 1, 2 }, 5);
            FineTune(fewShot, path);
            var network = new FineTuneCnn(seed: 1);
            Assert.True(network.IsFrozen("0"));
            Assert.Throws<InvalidOperationException>(() => network.Unfreeze("0"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepositoryRoot()
    {
        string directory = Path.GetDirectoryName(ThisFile())!;
        while (!File.Exists(Path.Combine(directory, "StaticNet.sln"))) directory = Path.GetDirectoryName(directory)!;
        return directory;
    }
}
