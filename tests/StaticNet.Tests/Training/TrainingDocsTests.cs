using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using StaticNet.Data;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Networks;
using StaticNet.Training;
using Xunit;

namespace StaticNet.Tests.Training;

// From docs/training.md:
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)] [Dense(16, Activation.ReLU)] [Dropout(0.1f)] [Dense(3)]
public partial class IrisNet { }

/// <summary>
/// The examples of docs/training.md, run as written there; every C# block of the page must appear verbatim in this file
/// (lines compared without their indentation).
/// </summary>
public sealed class TrainingDocsTests
{
    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string Normalize(string code) =>
        string.Join("\n", code.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    [Fact]
    public void EveryCSharpBlockOfThePage_IsInThisFile()
    {
        string page = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "..", "docs", "training.md"));
        string source = Normalize(File.ReadAllText(ThisFile()));
        MatchCollection blocks = Regex.Matches(File.ReadAllText(page), "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(blocks.Count >= 5, $"Expected the page's C# blocks; found {blocks.Count}.");
        foreach (Match block in blocks)
            Assert.True(source.Contains(Normalize(block.Groups[1].Value)), $"This block of docs/training.md is not in {ThisFile()}:\n{block.Groups[1].Value}");
    }

    /// <summary>Three classes of 4 features, like the iris measurements.</summary>
    private static (float[] Features, int[] Labels) Flowers(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            for (int f = 0; f < 4; f++)
                features[i * 4 + f] = (float)(labels[i] * (f + 1) * 0.8 + random.NextDouble() - 0.5);
        }
        return (features, labels);
    }

    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    [Fact]
    public void TheExamplesRun()
    {
        var (trainFeatures, trainLabels) = Flowers(90, 1);
        var (validationFeatures, validationLabels) = Flowers(30, 2);
        Dataset train = Dataset.FromLabels(trainFeatures, 4, trainLabels, 3);
        Dataset validation = Dataset.FromLabels(validationFeatures, 4, validationLabels, 3);
        string? directory = null;
        try
        {
            string runs = Path.Combine(Path.GetTempPath(), "iris-" + Guid.NewGuid().ToString("N"));
            var options = new TrainerOptions
            {
                Epochs = 20, BatchSize = 16, EarlyStoppingPatience = 10,
                CheckpointDirectory = Path.Combine(runs, "checkpoints"),
                CheckpointInterval = 5,      // epoch-0005.safetensors, epoch-0010.safetensors, …
                SaveBestCheckpoint = true,   // best.safetensors after every epoch that improves the validation loss
            };
            var trainer = new Trainer(new IrisNet(seed: 1), new Adam(1e-2f), options);
            trainer.Fit(train, validation);

            // Later, perhaps in another process: the same network type, optimizer settings, data and options.
            var resumed = new Trainer(new IrisNet(seed: 2), new Adam(1e-2f), options);
            CheckpointInfo info = resumed.LoadCheckpoint(Path.Combine(runs, "checkpoints", "epoch-0005.safetensors"));
            TrainingResult result = resumed.Fit(train, validation);   // epochs 6 to 20
            Console.WriteLine($"resumed after epoch {info.Epoch}; {result.EpochsRun} epochs in the history");

            directory = runs;
            Assert.True(File.Exists(Path.Combine(runs, "checkpoints", "best.safetensors")));
            Assert.Equal((5, 20), (info.Epoch, result.EpochsRun));

            var scheduled = new TrainerOptions
            {
                Epochs = 30, BatchSize = 16,
                Scheduler = new ReduceLearningRateOnPlateau(factor: 0.5f, patience: 3),
                WarmupSteps = 20,
                ValidationInterval = 4,
                MetricsLogPath = Path.Combine(runs, "metrics.csv"),
            };
            new Trainer(new IrisNet(seed: 3), new Adam(1e-2f), scheduled).Fit(train, validation);
            // kind,epoch,step,train_loss,validation_loss,validation_accuracy,learning_rate,seconds

            string[] log = File.ReadAllLines(Path.Combine(runs, "metrics.csv"));
            Assert.Equal("kind,epoch,step,train_loss,validation_loss,validation_accuracy,learning_rate,seconds", log[0]);
            Assert.StartsWith("validation,1,4,", log[1]);
            Assert.Equal(1 + 30 + 30, log.Length);   // 6 steps an epoch: a validation at steps 4 or 2 within each, and the epoch's end

            var csv = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,species\n");
            for (int i = 0; i < 30; i++)
                csv.Append(string.Join(",", trainFeatures.Skip(i * 4).Take(4).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
                    .Append(i % 5 == 0 ? $",\"{Species[trainLabels[i]]}\"\n" : $",{Species[trainLabels[i]]}\n");
            File.WriteAllText(Path.Combine(runs, "iris.csv"), csv.ToString());
            File.WriteAllText(Path.Combine(runs, "houses.csv"), "area,rooms,price,rent\n70,3,250000,900\n95,4,330000,1200\n40,1,150000,650\n");

            CsvDataset iris = CsvLoader.Read(Path.Combine(runs, "iris.csv"), new CsvOptions { HasHeader = true, StringLabels = true });
            Dataset flowers = iris.Dataset;                              // 4 features, 3 one-hot outputs
            Console.WriteLine(string.Join(", ", iris.ClassNames!));      // setosa, versicolor, virginica
            int virginica = iris.ClassId("virginica");                   // 2

            CsvDataset houses = CsvLoader.Read(Path.Combine(runs, "houses.csv"),
                new CsvOptions { HasHeader = true, TargetColumnNames = ["price", "rent"] });
            Console.WriteLine($"{houses.Dataset.InputSize} features → {string.Join(", ", houses.TargetNames!)}");

            Assert.Equal((30, 4, 3), (flowers.Count, flowers.InputSize, flowers.OutputSize));
            Assert.Equal(trainLabels.Take(30), flowers.Labels.ToArray());
            Assert.Equal(2, virginica);
            Assert.Equal(Species, iris.ClassNames);
            Assert.Equal((2, 2), (houses.Dataset.InputSize, houses.Dataset.OutputSize));
            Assert.Equal(["price", "rent"], houses.TargetNames);
            Assert.Equal(new float[] { 250000, 900, 330000, 1200, 150000, 650 }, houses.Dataset.Targets.ToArray());

            // The missing value message of the page.
            string missing = Path.Combine(runs, "missing");
            Directory.CreateDirectory(missing);
            File.WriteAllText(Path.Combine(missing, "houses.csv"), "area,rooms,price,rent\n70,3,1,1\n71,3,1,1\n72,3,1,1\n73,3,1,1\n74,3,1,1\n75,,1,1\n");
            var e = Assert.Throws<InvalidDataException>(() => CsvLoader.Read(Path.Combine(missing, "houses.csv"), new CsvOptions { HasHeader = true, TargetColumnNames = ["price", "rent"] }));
            Assert.Contains($"`{e.Message}`", File.ReadAllText(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "..", "docs", "training.md")));

            var noisy = new TrainerOptions { Epochs = 5, BatchSize = 16, Augmentation = new Augmentation { NoiseStandardDeviation = 0.05f } };
            new Trainer(new IrisNet(seed: 4), new Adam(1e-2f), noisy).Fit(train, validation);

            var images = new TrainerOptions
            {
                Epochs = 10,
                Augmentation = new Augmentation { Image = new ImageShape(1, 28, 28), MaxShift = 2, HorizontalFlip = true, NoiseStandardDeviation = 0.05f },
            };

            images.Epochs = 1;
            var digits = Dataset.FromLabels(NetworkTestSupport.RandomVector(40 * 784, 1), 784, Enumerable.Range(0, 40).Select(i => i % 10).ToArray(), 10);
            Assert.Equal(1, new Trainer(new MnistNet(seed: 1), new Adam(), images).Fit(digits).EpochsRun);
        }
        finally
        {
            if (directory is not null && Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
