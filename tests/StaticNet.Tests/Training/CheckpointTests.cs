using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using StaticNet.IO;
using StaticNet.Optimizers;
using StaticNet.Tests.Data;
using StaticNet.Training;
using Xunit;
using static StaticNet.Tests.Networks.NetworkTestSupport;

namespace StaticNet.Tests.Training;

/// <summary>
/// Checkpoints: the optimizer's state saves and loads with the weights under PyTorch's names, loads are all or nothing,
/// and a run resumed from a checkpoint is bit-identical to the uninterrupted one.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static int[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    /// <summary>Four noisy classes in 6-D (AllOrNothingNet's shape).</summary>
    private static Dataset Classes(int count, int seed)
    {
        var random = new Random(seed);
        float[] features = RandomVector(count * 6, seed);
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.Next(4);
            features[i * 6 + labels[i]] += 1.5f;
        }
        return Dataset.FromLabels(features, 6, labels, 4);
    }

    /// <summary>Images [2, 5, 5] with 3 float targets (AllOrNothingConvNet's shape).</summary>
    private static Dataset Images(int count, int seed)
    {
        float[] features = RandomVector(count * 50, seed);
        var targets = new float[count * 3];
        for (int i = 0; i < count; i++)
            for (int t = 0; t < 3; t++)
                targets[i * 3 + t] = features[i * 50 + t * 7] - 0.5f * features[i * 50 + 49 - t];
        return new Dataset(features, 50, targets, 3);
    }

    public static TheoryData<string> Setups() => new()
    {
        "adam cosine+warmup", "adamw onecycle", "sgd-momentum plateau", "sgd-nesterov step", "adam exponential noise",
    };

    private static Optimizer NewOptimizer(string setup) => setup.Split(' ')[0] switch
    {
        "adam" => new Adam(5e-3f) { MaxGradientNorm = 5f },
        "adamw" => new AdamW(5e-3f, weightDecay: 0.05f),
        "sgd-momentum" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-3f),
        _ => new Sgd(0.05f, momentum: 0.8f, nesterov: true),
    };

    private TrainerOptions NewOptions(string setup, string? checkpoints)
    {
        var options = new TrainerOptions
        {
            Epochs = 10, BatchSize = 16, Seed = 3, EarlyStoppingPatience = 8, RestoreBestWeights = true,
            CheckpointDirectory = checkpoints, CheckpointInterval = checkpoints is null ? 0 : 5, SaveBestCheckpoint = checkpoints is not null,
        };
        string schedule = setup.Split(' ')[1];
        if (schedule == "cosine+warmup")
        {
            options.LearningRateSchedule = LearningRateSchedule.Cosine;
            options.WarmupSteps = 12;
        }
        else if (schedule == "onecycle") options.Scheduler = new OneCycleLearningRate();
        else if (schedule == "plateau") options.Scheduler = new ReduceLearningRateOnPlateau(patience: 1, factor: 0.5f, threshold: 0.05f);
        else if (schedule == "step") options.Scheduler = new StepLearningRate(3, 0.5f);
        else options.Scheduler = new ExponentialLearningRate(0.9f);
        if (setup.EndsWith("noise")) options.Augmentation = new Augmentation { NoiseStandardDeviation = 0.1f };
        return options;
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void FiveEpochsSaveLoadFiveMore_IsBitIdenticalToTenEpochs(string setup)
    {
        Dataset train = Classes(150, 1), validation = Classes(40, 2);
        string checkpoints = Path.Combine(_temp.Path, "run");

        // The uninterrupted run, which also writes a checkpoint every 5 epochs.
        var net = new AllOrNothingNet(seed: 5);
        Optimizer optimizer = NewOptimizer(setup);
        TrainingResult full = new Trainer(net, optimizer, NewOptions(setup, checkpoints)).Fit(train, validation);
        Assert.Equal(10, full.EpochsRun);

        // A fresh network (other weights and dropout seed), optimizer and trainer resume from epoch 5.
        var resumedNet = new AllOrNothingNet(seed: 77);
        Optimizer resumedOptimizer = NewOptimizer(setup);
        var resumed = new Trainer(resumedNet, resumedOptimizer, NewOptions(setup, checkpoints: null));
        CheckpointInfo info = resumed.LoadCheckpoint(Path.Combine(checkpoints, "epoch-0005.safetensors"));
        Assert.Equal(5, info.Epoch);
        TrainingResult rest = resumed.Fit(train, validation);

        Assert.Equal(Bits(net.Parameters), Bits(resumedNet.Parameters));
        Assert.Equal(optimizer.StepCount, resumedOptimizer.StepCount);
        Assert.Equal(optimizer.LearningRate, resumedOptimizer.LearningRate);
        Assert.Equal((full.BestEpoch, full.StoppedEarly, full.RestoredBestWeights), (rest.BestEpoch, rest.StoppedEarly, rest.RestoredBestWeights));
        Assert.Equal(full.History.Select(r => (r.Epoch, r.TrainLoss, r.ValidationLoss, r.ValidationAccuracy)),
            rest.History.Select(r => (r.Epoch, r.TrainLoss, r.ValidationLoss, r.ValidationAccuracy)));
        // The optimizer's state carries on identically too.
        float[][] expected = optimizer.CheckpointBuffers!, found = resumedOptimizer.CheckpointBuffers!;
        Assert.Equal(expected.Length, found.Length);
        for (int b = 0; b < expected.Length; b++) Assert.Equal(Bits(expected[b]), Bits(found[b]));
        Assert.True(File.Exists(Path.Combine(checkpoints, "epoch-0010.safetensors")));
        Assert.True(File.Exists(Path.Combine(checkpoints, "best.safetensors")));
    }

    [Fact]
    public void WithoutTheDropoutState_TheResumedRunWouldDiffer()
    {
        // The control for the test above: the same resume, but the checkpoint's dropout generator state removed.
        Dataset train = Classes(150, 1);
        string checkpoints = Path.Combine(_temp.Path, "run");
        var options = new TrainerOptions { Epochs = 4, BatchSize = 16, CheckpointDirectory = checkpoints, CheckpointInterval = 2 };
        var net = new AllOrNothingNet(seed: 5);
        new Trainer(net, new Adam(5e-3f), options).Fit(train);

        string path = Path.Combine(checkpoints, "epoch-0002.safetensors");
        SafetensorsFile file = Safetensors.Read(path);
        var metadata = file.Metadata.Where(p => p.Key != "network.random").ToDictionary(p => p.Key, p => p.Value);
        using (FileStream stream = File.Create(path)) Safetensors.Write(stream, file.Tensors, metadata);

        var resumedNet = new AllOrNothingNet(seed: 77);
        var resumed = new Trainer(resumedNet, new Adam(5e-3f), new TrainerOptions { Epochs = 4, BatchSize = 16 });
        resumed.LoadCheckpoint(path);
        resumed.Fit(train);
        Assert.NotEqual(Bits(net.Parameters), Bits(resumedNet.Parameters));
    }

    [Fact]
    public void GeneratedDropoutNetworks_ExposeTheirGeneratorWithoutReflection()
    {
        // The checkpoint reads the dropout state through IRandomStateNetwork (trim- and NativeAOT-safe): setting it
        // must change the next training step's masks, and setting it back must repeat them.
        var net = new AllOrNothingNet(seed: 5);
        var state = Assert.IsAssignableFrom<IRandomStateNetwork>(net);
        Dataset train = Classes(32, 1);
        float[] inputs = train.Features.ToArray(), targets = train.Targets.ToArray();
        ulong seed = state.RandomState;
        net.ComputeGradients(inputs, targets);
        float[] first = net.Gradients.ToArray();
        state.RandomState = seed;
        net.ComputeGradients(inputs, targets);
        Assert.Equal(Bits(first), Bits(net.Gradients.ToArray()));
        state.RandomState = seed ^ 0x9E3779B97F4A7C15UL;
        net.ComputeGradients(inputs, targets);
        Assert.NotEqual(Bits(first), Bits(net.Gradients.ToArray()));
    }

    [Fact]
    public void ImageAugmentation_ResumesBitIdentically()
    {
        Dataset train = Images(60, 4);
        TrainerOptions Options(string? directory) => new()
        {
            Epochs = 6, BatchSize = 8, Seed = 9, CheckpointDirectory = directory, CheckpointInterval = directory is null ? 0 : 3,
            Augmentation = new Augmentation { Image = new ImageShape(2, 5, 5), MaxShift = 1, HorizontalFlip = true, NoiseStandardDeviation = 0.05f },
        };
        string checkpoints = Path.Combine(_temp.Path, "images");
        var net = new AllOrNothingConvNet(seed: 1);
        new Trainer(net, new Adam(1e-2f), Options(checkpoints)).Fit(train);

        var resumedNet = new AllOrNothingConvNet(seed: 2);
        var resumed = new Trainer(resumedNet, new Adam(1e-2f), Options(null));
        resumed.LoadCheckpoint(Path.Combine(checkpoints, "epoch-0003.safetensors"));
        resumed.Fit(train);
        Assert.Equal(Bits(net.Parameters), Bits(resumedNet.Parameters));

        // And the augmentation matters: without it the weights differ.
        var plain = new AllOrNothingConvNet(seed: 1);
        TrainerOptions noAugmentation = Options(null);
        noAugmentation.Augmentation = null;
        new Trainer(plain, new Adam(1e-2f), noAugmentation).Fit(train);
        Assert.NotEqual(Bits(net.Parameters), Bits(plain.Parameters));
    }

    [Fact]
    public void SaveAfterFit_ThenLoadAndFitMoreEpochs_IsBitIdentical()
    {
        Dataset train = Classes(100, 1);
        var reference = new AllOrNothingNet(seed: 5);
        new Trainer(reference, new Sgd(0.05f, momentum: 0.9f), new TrainerOptions { Epochs = 10, BatchSize = 12 }).Fit(train);

        var first = new AllOrNothingNet(seed: 5);
        var firstTrainer = new Trainer(first, new Sgd(0.05f, momentum: 0.9f), new TrainerOptions { Epochs = 5, BatchSize = 12 });
        firstTrainer.Fit(train);
        string path = Path.Combine(_temp.Path, "five.safetensors");
        firstTrainer.SaveCheckpoint(path);

        var second = new AllOrNothingNet(seed: 6);
        var secondTrainer = new Trainer(second, new Sgd(0.05f, momentum: 0.9f), new TrainerOptions { Epochs = 10, BatchSize = 12 });
        secondTrainer.LoadCheckpoint(path);
        TrainingResult result = secondTrainer.Fit(train);

        Assert.Equal(10, result.EpochsRun);
        Assert.Equal(Bits(reference.Parameters), Bits(second.Parameters));
    }

    [Fact]
    public void TheFile_HoldsTheWeightsAndTheOptimizerStateUnderPyTorchsNamesAndShapes()
    {
        var net = new AllOrNothingNet(seed: 3);
        var adam = new Adam(1e-2f);
        Dataset data = Classes(32, 1);
        for (int i = 0; i < 3; i++) net.TrainStep(data.Features, data.Targets, adam);
        var stream = new MemoryStream();
        Checkpoint.Save(stream, net, adam);
        SafetensorsFile file = Safetensors.Read(new MemoryStream(stream.ToArray()));
        var byName = file.Tensors.ToDictionary(t => t.Name);

        Assert.Equal(Checkpoint.Format, file.Metadata["format"]);
        Assert.Equal("Adam", file.Metadata["optimizer.type"]);
        Assert.Equal("3", file.Metadata["optimizer.step"]);
        int trainable = net.Gradients.Length;
        foreach (ParameterTensor tensor in net.ParameterTensors)
        {
            Assert.Equal(tensor.Export(net.Parameters), byName[tensor.Name].Data);   // the weights, as SaveSafetensors writes them
            bool isTrainable = tensor.Offset + tensor.Extent <= trainable;
            Assert.Equal(isTrainable, byName.ContainsKey($"optimizer.state.{tensor.Name}.exp_avg"));
            if (!isTrainable) continue;
            SafetensorsTensor m = byName[$"optimizer.state.{tensor.Name}.exp_avg"], v = byName[$"optimizer.state.{tensor.Name}.exp_avg_sq"];
            Assert.Equal(tensor.Shape.ToArray(), m.Shape.ToArray());
            Assert.Equal(tensor.Export(adam.CheckpointBuffers![0]), m.Data);   // the padded internal layout mapped to PyTorch's
            Assert.Equal(tensor.Export(adam.CheckpointBuffers![1]), v.Data);
            Assert.Contains(m.Data, x => x != 0f);
            SafetensorsTensor step = byName[$"optimizer.state.{tensor.Name}.step"];
            Assert.Equal(0, step.Shape.Length);
            Assert.Equal(3f, step.Data[0]);
        }
        Assert.Contains("running_mean", string.Join(" ", byName.Keys.Where(k => !k.StartsWith("optimizer."))));

        // The weights load alone into a network, non-strictly (the optimizer's tensors are unused there).
        var copy = new AllOrNothingNet(seed: 9);
        copy.LoadSafetensors(new MemoryStream(stream.ToArray()), new SafetensorsLoadOptions { Strict = false });
        Assert.Equal(Bits(net.Parameters), Bits(copy.Parameters));
    }

    [Fact]
    public void SgdMomentumBuffer_RoundTripsWithPaddingKeptZero()
    {
        var net = new AllOrNothingNet(seed: 3);
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        Dataset data = Classes(32, 1);
        for (int i = 0; i < 4; i++) net.TrainStep(data.Features, data.Targets, sgd);
        var stream = new MemoryStream();
        Checkpoint.Save(stream, net, sgd);
        Assert.Contains(Safetensors.Read(new MemoryStream(stream.ToArray())).Tensors, t => t.Name.EndsWith(".momentum_buffer"));

        var other = new AllOrNothingNet(seed: 4);
        var otherSgd = new Sgd(0.1f, momentum: 0.9f);
        CheckpointInfo info = Checkpoint.Load(new MemoryStream(stream.ToArray()), other, otherSgd);
        Assert.Equal(4, info.OptimizerStepCount);
        Assert.Equal(4, otherSgd.StepCount);
        Assert.Equal(Bits(sgd.CheckpointBuffers![0]), Bits(otherSgd.CheckpointBuffers![0]));   // padding included
        Assert.Equal(Bits(net.Parameters), Bits(other.Parameters));
        // Both continue identically (the loaded optimizer is bound to the network it was loaded with).
        Assert.Equal(net.TrainStep(data.Features, data.Targets, sgd), other.TrainStep(data.Features, data.Targets, otherSgd));
        Assert.Equal(Bits(net.Parameters), Bits(other.Parameters));
    }

    [Fact]
    public void BeforeTheFirstStep_TheCheckpointHasNoOptimizerTensors()
    {
        var net = new AllOrNothingNet(seed: 3);
        var stream = new MemoryStream();
        Checkpoint.Save(stream, net, new Adam());
        Assert.DoesNotContain(Safetensors.Read(new MemoryStream(stream.ToArray())).Tensors, t => t.Name.StartsWith("optimizer."));
        var adam = new Adam();
        Checkpoint.Load(new MemoryStream(stream.ToArray()), new AllOrNothingNet(seed: 1), adam);
        Assert.Equal(0, adam.StepCount);
        Assert.Null(adam.CheckpointBuffers);
    }

    /// <summary>A trained network and Adam, and a checkpoint of them.</summary>
    private static (AllOrNothingNet Net, Adam Adam, byte[] File) Saved()
    {
        var net = new AllOrNothingNet(seed: 3);
        var adam = new Adam(1e-2f);
        Dataset data = Classes(32, 1);
        for (int i = 0; i < 3; i++) net.TrainStep(data.Features, data.Targets, adam);
        var stream = new MemoryStream();
        Checkpoint.Save(stream, net, adam);
        return (net, adam, stream.ToArray());
    }

    private static byte[] Edit(byte[] file, Func<List<SafetensorsTensor>, List<SafetensorsTensor>> tensors, Action<Dictionary<string, string>>? metadata = null)
    {
        SafetensorsFile read = Safetensors.Read(new MemoryStream(file));
        var entries = read.Metadata.ToDictionary(p => p.Key, p => p.Value);
        metadata?.Invoke(entries);
        var output = new MemoryStream();
        Safetensors.Write(output, tensors(read.Tensors.ToList()), entries);
        return output.ToArray();
    }

    /// <summary>A network and optimizer trained differently from <see cref="Saved"/>, and their state's bits.</summary>
    private static (AllOrNothingNet, Adam, int[], int[]) Target()
    {
        var net = new AllOrNothingNet(seed: 8);
        var adam = new Adam(1e-2f);
        Dataset data = Classes(32, 5);
        net.TrainStep(data.Features, data.Targets, adam);
        return (net, adam, Bits(net.Parameters), Bits(adam.CheckpointBuffers![0]));
    }

    [Fact]
    public void AFailedLoad_ListsEveryProblem_AndChangesNothing()
    {
        (_, _, byte[] file) = Saved();
        string firstWeight = new AllOrNothingNet(1).ParameterTensors[0].Name;
        byte[] broken = Edit(file, tensors =>
        {
            tensors.RemoveAll(t => t.Name == $"optimizer.state.{firstWeight}.exp_avg_sq");        // missing
            tensors.Add(new SafetensorsTensor("optimizer.state.extra.exp_avg", [2], new float[2])); // unexpected
            int i = tensors.FindIndex(t => t.Name == $"optimizer.state.{firstWeight}.exp_avg");    // another shape
            tensors[i] = new SafetensorsTensor(tensors[i].Name, [tensors[i].ElementCount], tensors[i].Data);
            return tensors;
        });
        var (net, adam, weights, moments) = Target();

        var e = Assert.Throws<SafetensorsMismatchException>(() => Checkpoint.Load(new MemoryStream(broken), net, adam));

        Assert.Equal([$"optimizer.state.{firstWeight}.exp_avg_sq"], e.MissingTensors);
        Assert.Equal(["optimizer.state.extra.exp_avg"], e.UnexpectedTensors);
        Assert.Equal([$"optimizer.state.{firstWeight}.exp_avg"], e.MismatchedTensors);
        Assert.Contains("expected shape", e.Message);
        Assert.Equal(weights, Bits(net.Parameters));
        Assert.Equal(moments, Bits(adam.CheckpointBuffers![0]));
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void AnotherOptimizerOrOtherHyperparameters_AreRefused_AndChangeNothing()
    {
        (_, _, byte[] file) = Saved();
        var (net, adam, weights, _) = Target();

        var wrongType = Assert.Throws<ArgumentException>(() => Checkpoint.Load(new MemoryStream(file), net, new Sgd(0.1f, momentum: 0.9f)));
        Assert.Contains("the checkpoint's optimizer is a Adam; found a Sgd", wrongType.Message);
        var wrongBeta = Assert.Throws<ArgumentException>(() => Checkpoint.Load(new MemoryStream(file), net, new Adam(1e-2f, beta1: 0.8f)));
        Assert.Contains("beta1 is 0.9 in the checkpoint; found 0.8", wrongBeta.Message);
        var notACheckpoint = new MemoryStream();
        net.SaveSafetensors(notACheckpoint);
        var plain = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Load(new MemoryStream(notACheckpoint.ToArray()), net, adam));
        Assert.Contains("Expected a StaticNet checkpoint", plain.Message);
        byte[] badStep = Edit(file, t => t, m => m["optimizer.step"] = "4");
        var step = Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Load(new MemoryStream(badStep), net, adam));
        Assert.Contains("expected the optimizer's step count 4", step.Message);

        Assert.Equal(weights, Bits(net.Parameters));
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void ATrainerCheckpointWithBadMetadata_ChangesNothing()
    {
        Dataset train = Classes(40, 1);
        var trainer = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { Epochs = 2, BatchSize = 10 });
        trainer.Fit(train);
        var stream = new MemoryStream();
        trainer.SaveCheckpoint(stream);
        byte[] bad = Edit(stream.ToArray(), t => t, m => m["trainer.history"] = "1,0.5,,,0.1\n");

        var (net, adam, weights, _) = Target();
        var target = new Trainer(net, adam, new TrainerOptions { Epochs = 2, BatchSize = 10 });
        var e = Assert.Throws<SafetensorsFormatException>(() => target.LoadCheckpoint(new MemoryStream(bad)));
        Assert.Contains("\"trainer.history\": expected 2 records", e.Message);
        Assert.Equal(weights, Bits(net.Parameters));
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void ResumingWithOtherDataOrOptions_IsRefused()
    {
        Dataset train = Classes(40, 1);
        var trainer = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { Epochs = 2, BatchSize = 10 });
        trainer.Fit(train);
        var stream = new MemoryStream();
        trainer.SaveCheckpoint(stream);

        var resumed = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { Epochs = 4, BatchSize = 8, Seed = 1 });
        resumed.LoadCheckpoint(new MemoryStream(stream.ToArray()));
        var e = Assert.Throws<ArgumentException>(() => resumed.Fit(Classes(30, 1)));
        Assert.Contains("had 40 training samples; found 30", e.Message);
        Assert.Contains("BatchSize was 10; found 8", e.Message);
        Assert.Contains("Seed was 0; found 1", e.Message);
    }

    [Fact]
    public void CheckpointOptions_AreChecked()
    {
        var trainer = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { CheckpointInterval = 2 });
        Assert.Contains("CheckpointDirectory", Assert.Throws<ArgumentException>(() => trainer.Fit(Classes(20, 1))).Message);
        var best = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { SaveBestCheckpoint = true, CheckpointDirectory = _temp.Path });
        Assert.Contains("found no validation set", Assert.Throws<ArgumentException>(() => best.Fit(Classes(20, 1))).Message);
    }

    [Fact]
    public void AfterAFitThatStoppedWithinAnEpoch_SaveCheckpointRefuses()
    {
        var trainer = new Trainer(new AllOrNothingNet(seed: 1), new Adam(), new TrainerOptions { Epochs = 2, BatchSize = 10 });
        trainer.Fit(Classes(40, 1));
        trainer.SaveCheckpoint(new MemoryStream());   // after a whole run: fine
        using var cancelled = new System.Threading.CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(Classes(40, 1), cancellationToken: cancelled.Token));
        var e = Assert.Throws<InvalidOperationException>(() => trainer.SaveCheckpoint(new MemoryStream()));
        Assert.StartsWith("The last Fit stopped within epoch 1 (it threw or was cancelled)", e.Message);
    }

    [Fact]
    public void ABadLearningRateInTheMetadata_IsRefused()
    {
        (_, _, byte[] file) = Saved();
        var (net, adam, weights, _) = Target();
        byte[] bad = Edit(file, t => t, m => m["optimizer.lr"] = "-1");
        Assert.Contains("expected a finite number ≥ 0; found -1", Assert.Throws<SafetensorsFormatException>(() => Checkpoint.Load(new MemoryStream(bad), net, adam)).Message);
        Assert.Equal(weights, Bits(net.Parameters));
        Assert.Equal(1e-2f, adam.LearningRate);
    }

    [Fact]
    public void EarlyStoppingAfterTheCheckpoint_ResumesToTheSameStopAndBestWeights()
    {
        Dataset train = Classes(150, 1), validation = Classes(40, 2);
        TrainerOptions Options(string? directory) => new()
        {
            Epochs = 30, BatchSize = 16, EarlyStoppingPatience = 2, MinDelta = 0.02f, RestoreBestWeights = true,
            CheckpointDirectory = directory, CheckpointInterval = directory is null ? 0 : 2,
            MetricsLogPath = Path.Combine(_temp.Path, directory is null ? "resumed.csv" : "full.csv"),
        };
        string checkpoints = Path.Combine(_temp.Path, "stop");
        var net = new AllOrNothingNet(seed: 5);
        TrainingResult full = new Trainer(net, new Adam(2e-2f), Options(checkpoints)).Fit(train, validation);
        Assert.True(full.StoppedEarly, $"Expected the run to stop early; it ran {full.EpochsRun} epochs.");
        Assert.True(full.RestoredBestWeights);
        Assert.True(full.EpochsRun > 2);

        File.WriteAllText(Path.Combine(_temp.Path, "resumed.csv"), string.Join("\n", File.ReadAllLines(Path.Combine(_temp.Path, "full.csv")).Take(3)) + "\n");
        var resumedNet = new AllOrNothingNet(seed: 6);
        var resumed = new Trainer(resumedNet, new Adam(2e-2f), Options(null));
        resumed.LoadCheckpoint(Path.Combine(checkpoints, "epoch-0002.safetensors"));
        TrainingResult rest = resumed.Fit(train, validation);

        Assert.Equal((full.EpochsRun, full.BestEpoch, true, true), (rest.EpochsRun, rest.BestEpoch, rest.StoppedEarly, rest.RestoredBestWeights));
        Assert.Equal(Bits(net.Parameters), Bits(resumedNet.Parameters));
        // The resumed run appended to the log of the first two epochs: one header, one row per epoch.
        string[] strip(string file) => File.ReadAllLines(Path.Combine(_temp.Path, file)).Select(l => string.Join(",", l.Split(',').Take(7))).ToArray();
        Assert.Equal(strip("full.csv"), strip("resumed.csv"));
    }
}
