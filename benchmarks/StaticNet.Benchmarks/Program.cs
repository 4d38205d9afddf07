using FashionMnistCnn;
using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using StaticNet.Optimizers;

namespace StaticNet.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/StaticNet.Benchmarks -- --filter '*'</c>;
/// add <c>--job short</c> for a quick run, <c>--filter '*Mnist*'</c> for one network. <c>--check</c> instead trains
/// each implementation for a few steps and prints the losses, to show that the baselines compute the same thing.
/// <c>--drift [steps] [workload,…]</c> prints the training step time against the step number (issue 16: subnormal
/// optimizer state), <c>--fusion-timing</c> a stand-alone [ReLU] against the fused Activation.ReLU, <c>--onnx-timing</c> StaticNet against ONNX Runtime in alternating rounds, <c>--onnx-import-timing</c> the imported ONNX models against ONNX Runtime likewise (OnnxImportTiming.cs), <c>--fma-peak</c> this core's fp32 FMA peak and the transformer layer's fraction of it (FmaPeak.cs), <c>--adam-cost</c> and <c>--flush-cost</c> time the optimizer update alone (see DriftBenchmarks.cs), <c>--train-bound</c> the batch-32 training steps and their kernels against the FMA bound (TrainBound.cs), <c>--cnn-step-parts</c> the CNN's training step taken apart (CnnStepParts.cs).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "--check")
        {
            Check();
            return;
        }
        if (args.Length == 1 && args[0] == "--flush-cost")
        {
            FlushCost.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--adam-cost")
        {
            AdamCost.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--first-calls")
        {
            FirstCalls.Run();
            return;
        }
        if (args.Length >= 1 && args[0] == "--drift")
        {
            DriftReport.Run(args);
            return;
        }
        if (args.Length == 1 && args[0] == "--stack-timing")
        {
            StackedStreamingBenchmarks.QuickTiming();
            return;
        }
        if (args.Length >= 1 && args[0] == "--parallel-cpu")
        {
            ParallelCpu.Run(args);
            return;
        }
        if (args.Length >= 1 && args[0] == "--parallel-diag")
        {
            ParallelDiag.Run(args); // the 2-core speed-up at batch 256 with the scheduler's view of the two threads
            return;
        }
        if (args.Length >= 1 && args[0] == "--parallel-timing")
        {
            ParallelTiming.Run(args);
            return;
        }
        if (args.Length == 1 && args[0] == "--fusion-timing")
        {
            ActivationFusionTiming.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--onnx-timing")
        {
            // The transformer layer and the Fashion-MNIST CNN against ONNX Runtime, each in alternating rounds.
            TransformerBenchmarks.QuickTiming();
            OnnxTiming.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--onnx-import-timing")
        {
            OnnxImportTiming.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--resnet-timing")
        {
            ResNetTiming.Run(); // samples/ResNet's network against ONNX Runtime, alternating rounds (ResNetBenchmarks.cs)
            return;
        }
        if (args.Length == 1 && args[0] == "--fma-peak")
        {
            FmaPeak.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--dense-sweep")
        {
            DenseSweepTiming.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--scaling-model")
        {
            ScalingModel.Run();
            return;
        }
        if (args.Length == 1 && args[0] == "--small-cnn-parts")
        {
            SmallCnnParts.Run(); // the small imported CNN (cnn.onnx, 8 and 16 filters) taken apart
            return;
        }
        if (args.Length == 1 && args[0] == "--wino-accuracy")
        {
            using var b = new OnnxImportBenchmarks();
            b.WinoAccuracy();
            return;
        }
        if (args.Length == 1 && args[0] == "--cnn-forward-ab")
        {
            OnnxImportTiming.RunAb(); // issue 21: the Fashion CNN's Forward with Winograd F(2×4) and F(2×2), and ONNX Runtime
            return;
        }
        if (args.Length == 1 && args[0] == "--cnn-forward-loop")
        {
            // For a profiler (perf record with DOTNET_PerfMapEnabled=1): the imported Fashion CNN's batch-1 Forward for 10 s.
            using var bench = new OnnxImportBenchmarks();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 10)
                for (int i = 0; i < 1000; i++) bench.StaticNetFashionCnn();
            return;
        }
        if (args.Length == 1 && args[0] == "--cnn-dense-in-chain")
        {
            CnnParts.RunDenseInChain(); // issue 21, session 3: the dense layer's time inside the whole call's kernel chain
            return;
        }
        if (args.Length == 1 && args[0] == "--conv1-ab")
        {
            CnnParts.RunConv1Ab(); // issue 21, session 3: conv1's tail tiles against the overlapping tile
            return;
        }
        if (args.Length == 1 && args[0] == "--cnn-parts")
        {
            CnnParts.Run();
            return;
        }
        if (args.Length >= 1 && args[0] == "--cnn-step-parts")
        {
            CnnStepParts.Run(unfused: args.Length > 1 && args[1] == "unfused"); // issue 20, item 3: the CNN's batch-32 training step taken apart, each part timed inside the sequence
            return;
        }
        if (args.Length == 1 && args[0] == "--sparse-dw")
        {
            SparseWeightGradient.Run(); // issue 20, item 3: the weight gradient that skips zero deltas against the dense tiles
            return;
        }
        if (args.Length == 1 && args[0] == "--train-bound")
        {
            TrainBound.Run(); // issue 20, item 3: the batch-32 training steps and their kernels against the FMA bound
            return;
        }
        if (args.Length == 1 && args[0] == "--step-timing")
        {
            StreamingStepBenchmarks.QuickTiming();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, DefaultConfig.Instance);
    }

    private static void Check()
    {
        int[] mnist = { 784, 128, 10 };
        float[] inputs = BenchmarkData.Random(32 * 784, 3);
        int[] labels = BenchmarkData.Labels(32, 10, 4);
        var naive = new NaiveMlp(mnist, BaselineLoss.SoftmaxCrossEntropy, 32, 1);
        var tensorPrimitives = new TensorPrimitivesMlp(mnist, BaselineLoss.SoftmaxCrossEntropy, 32, 1);
        var staticNet = new MnistMlp(1);
        var adam = new Adam(1e-3f);
        for (int step = 0; step < 20; step++)
        {
            float a = naive.TrainStep(inputs, labels), b = tensorPrimitives.TrainStep(inputs, labels), c = staticNet.TrainStep(inputs, labels, adam);
            if (step % 5 == 0 || step == 19) Console.WriteLine($"MNIST step {step,2}: naive {a:F5}  TensorPrimitives {b:F5}  StaticNet {c:F5}");
        }

        int[] small = { 16, 64, 64, 4 };
        float[] smallInputs = BenchmarkData.Random(32 * 16, 6), targets = BenchmarkData.Random(32 * 4, 7);
        var naiveSmall = new NaiveMlp(small, BaselineLoss.MeanSquaredError, 32, 1);
        var tensorPrimitivesSmall = new TensorPrimitivesMlp(small, BaselineLoss.MeanSquaredError, 32, 1);
        var staticNetSmall = new SmallMlp(1);
        var adamSmall = new Adam(1e-3f);
        for (int step = 0; step < 200; step++)
        {
            float a = naiveSmall.TrainStep(smallInputs, targets), b = tensorPrimitivesSmall.TrainStep(smallInputs, targets);
            float c = staticNetSmall.TrainStep(smallInputs, targets, adamSmall);
            if (step % 50 == 0 || step == 199) Console.WriteLine($"Small step {step,3}: naive {a:F5}  TensorPrimitives {b:F5}  StaticNet {c:F5}");
        }

        // The CNN: the baselines start from StaticNet's weights, so the inference-mode losses agree before and after
        // training (to float rounding); the training losses differ a little, each implementation drawing its own dropout.
        var cnn = new FashionCnn(1);
        var naiveCnn = new NaiveCnn(32, 1);
        var tensorPrimitivesCnn = new TensorPrimitivesCnn(32, 1);
        float[] cnnWeights = CnnWeights.Export(cnn);
        naiveCnn.LoadParameters(cnnWeights);
        tensorPrimitivesCnn.LoadParameters(cnnWeights);
        var adamCnn = new Adam(1e-3f);
        var oneHot = new float[32 * 10];
        for (int i = 0; i < 32; i++) oneHot[i * 10 + labels[i]] = 1f;
        Console.WriteLine($"CNN inference loss before: naive {naiveCnn.ComputeLoss(inputs, labels):F5}  TensorPrimitives " +
                          $"{tensorPrimitivesCnn.ComputeLoss(inputs, labels):F5}  StaticNet {cnn.ComputeLoss(inputs, oneHot):F5}");
        for (int step = 0; step < 20; step++)
        {
            float a = naiveCnn.TrainStep(inputs, labels), b = tensorPrimitivesCnn.TrainStep(inputs, labels), c = cnn.TrainStep(inputs, labels, adamCnn);
            if (step % 5 == 0 || step == 19) Console.WriteLine($"CNN step {step,2}: naive {a:F5}  TensorPrimitives {b:F5}  StaticNet {c:F5}");
        }
        Console.WriteLine($"CNN inference loss after:  naive {naiveCnn.ComputeLoss(inputs, labels):F5}  TensorPrimitives " +
                          $"{tensorPrimitivesCnn.ComputeLoss(inputs, labels):F5}  StaticNet {cnn.ComputeLoss(inputs, oneHot):F5}");
    }
}
