using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using CsCheck;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests;

/// <summary>
/// Property-based test of the generator and the analyzers (issue 16): random declarations, valid, huge and degenerate
/// (zero, negative and huge sizes, random stacks of every layer kind, random kernels, strides, paddings, dilations,
/// names, class shapes and clashing members). The invariant: the generator and analyzers never throw, there is never
/// an error inside a generated file (nor CS8785 or AD0001), and a declaration either builds without errors or has an
/// SNET error on the user's file. Small networks that build are also compiled, loaded and run: Forward (and TrainStep
/// when there is a loss) give finite values, and Forward (and, without BatchNorm or Dropout, the loss and its gradient)
/// match the scalar reference kernels.
/// </summary>
/// <remarks>
/// Bounded for CI by an iteration count; <c>STATICNET_PROPERTY_ITERATIONS</c> raises it and <c>STATICNET_PROPERTY_SEED</c>
/// replays a failure (CsCheck prints the seed). See docs/reliability.md.
/// </remarks>
public class GeneratorPropertyTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 60;

    // ── generators ────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Mostly small sizes (so that many declarations are valid), sometimes degenerate or huge.</summary>
    private static readonly Gen<int> Size = Gen.Frequency(
        (30, Gen.Int[1, 6]),
        (6, Gen.Int[7, 40]),
        (2, Gen.Int[-2, 0]),
        (1, Gen.OneOf(Gen.Const(int.MaxValue), Gen.Const(int.MinValue), Gen.Const(1 << 20), Gen.Const(65537), Gen.Const(46341), Gen.Int[100_000, int.MaxValue])));

    private static readonly Gen<int> Kernel = Gen.Frequency((20, Gen.Int[1, 3]), (2, Gen.Int[4, 9]), (1, Size));

    private static readonly Gen<string> Activation = Gen.Frequency(
        (6, Gen.Const("")),
        (6, Gen.OneOf(Gen.Const(", Activation.ReLU"), Gen.Const(", Activation.Tanh"), Gen.Const(", Activation.Sigmoid"),
            Gen.Const(", Activation.GELU"), Gen.Const(", Activation.LeakyReLU"), Gen.Const(", Activation.Softmax"),
            Gen.Const(", Activation.SiLU"), Gen.Const(", Activation.ELU"))),
        (1, Gen.Const(", (Activation)42")));

    /// <summary>Layer names as C# source text (already escaped for a string literal).</summary>
    private static readonly Gen<string> Name = Gen.Frequency(
        (10, Gen.Const("")),
        (3, Gen.OneOf(new[] { "fc", "encoder.0", "a.b.c", "ünï.代码", "x-1", "_", "Forward", "class", "InputSize", "layers.0", "0", "12", "train", "a.training", "a", "input.copy" }.Select(Gen.Const).ToArray())
            .Select(n => $", Name = \"{n}\"")),
        (2, Gen.OneOf(new[] { "", ".", "a..b", ".a", "a.", "a b", "a\\nb", "a\\tb", "a\\\\b", "<t>&amp;", "a\\\"b", "a\\u2028b", "a\\u202Eb", "a\\0b" }
            .Select(Gen.Const).ToArray()).Select(n => $", Name = \"{n}\"")));

    private static Gen<string> Option(string name, Gen<int> value) =>
        Gen.Frequency((3, Gen.Const("")), (1, value.Select(v => $", {name} = {v}")));

    /// <summary>PyTorch's num_layers, bidirectional and dropout, valid and not (NumLayers 0, Dropout on one layer or out of range).</summary>
    private static readonly Gen<string> RecurrentOptions = Gen.Frequency(
        (8, Gen.Const("")), (2, Gen.Const(", NumLayers = 2")), (2, Gen.Const(", Bidirectional = true")), (1, Gen.Const(", NumLayers = 3, Bidirectional = true")),
        (1, Gen.Const(", NumLayers = 2, Dropout = 0.3f")), (1, Gen.Const(", NumLayers = 0")), (1, Gen.Const(", Dropout = 0.5f")),
        (1, Gen.Const(", NumLayers = 2, Dropout = 1f")));

    private static readonly Gen<string> Layer = Gen.Frequency(
        (8, Gen.Select(Size, Activation, Name, (u, a, n) => $"Dense({u}{a}{n})")),
        (5, Gen.Select(Size, Kernel, Activation, Option("Stride", Kernel), Option("Padding", Gen.Int[-1, 3]), Option("Dilation", Kernel),
            Gen.Frequency((8, Gen.Const("")), (1, Gen.OneOf(Gen.Const(", PaddingMode = PaddingMode.Same"), Gen.Const(", PaddingMode = PaddingMode.Valid"), Gen.Const(", Bias = false")))),
            Name, (f, k, a, s, p, d, m, n) => $"Conv2D({f}, {k}{a}{s}{p}{d}{m}{n})")),
        (1, Gen.Select(Size, Kernel, Kernel, Activation, (f, h, w, a) => $"Conv2D({f}, {h}, {w}{a})")),
        (3, Gen.Select(Size, Kernel, Activation, Option("Stride", Kernel), Option("Padding", Gen.Int[0, 3]), Option("Dilation", Kernel), Name,
            (f, k, a, s, p, d, n) => $"Conv1D({f}, {k}{a}{s}{p}{d}{n})")),
        (3, Gen.Select(Gen.OneOf(Gen.Const("MaxPool2D"), Gen.Const("AvgPool2D"), Gen.Const("MaxPool1D"), Gen.Const("AvgPool1D")), Kernel,
            Option("Stride", Gen.Int[-1, 3]), Name, (kind, k, s, n) => $"{kind}({k}{s}{n})")),
        (2, Gen.OneOf(Gen.Const("GlobalAvgPool"), Gen.Const("Flatten"))),
        (2, Gen.Select(Gen.Frequency((6, Gen.Const("")), (1, Gen.Const("Momentum = 2f")), (1, Gen.Const("Epsilon = 0f")), (1, Gen.Const("Momentum = 0.5f"))), Name,
            (o, n) => o.Length == 0 ? $"BatchNorm({n.TrimStart(',', ' ')})" : $"BatchNorm({o}{n})")),
        (2, Gen.Select(Gen.OneOf(Gen.Const("0f"), Gen.Const("0.25f"), Gen.Const("0.5f"), Gen.Const("1f"), Gen.Const("-0.1f"), Gen.Const("float.NaN")), Name,
            (r, n) => $"Dropout({r}{n})")),
        (3, Gen.Select(Gen.OneOf(Gen.Const("SimpleRNN"), Gen.Const("LSTM"), Gen.Const("GRU")), Size, Gen.Bool, RecurrentOptions, Name,
            (kind, h, sequences, o, n) => $"{kind}({h}{(sequences ? ", ReturnSequences = true" : "")}{o}{n})")),
        (1, Gen.Select(Gen.Const("SimpleRNN"), Size, Gen.OneOf(Gen.Const("Activation.ReLU"), Gen.Const("Activation.Sigmoid")), (kind, h, a) => $"{kind}({h}, {a})")),
        (2, Gen.Select(Size, Size, Name, (v, d, n) => $"Embedding({v}, {d}{n})")));

    private static readonly Gen<string> Input = Gen.Frequency(
        (10, Gen.Select(Gen.Int[1, 3], Size, Size, Size, (rank, a, b, c) => rank switch
        {
            1 => $"Input({a})",
            2 => $"Input({a}, {b})",
            _ => $"Input({a}, {b}, {c})",
        })),
        (6, Gen.Select(Gen.Int[1, 3], Gen.Int[1, 9], Gen.Int[1, 9], Gen.Int[1, 9], (rank, a, b, c) => rank switch
        {
            1 => $"Input({a})",
            2 => $"Input({a}, {b})",
            _ => $"Input({a}, {b}, {c})",
        })),
        (1, Gen.OneOf(Gen.Const("Input"), Gen.Const("Input(1, 2, 3, 4)"), Gen.Const("Input(1, 1, 1048577)"), Gen.Const("Input(3, 4096, 4096)"), Gen.Const("Input(1, 2048, 2048)"))));

    private static readonly Gen<string> Loss = Gen.Frequency(
        (4, Gen.Const("")),
        (6, Gen.OneOf(Gen.Const("[Network(Loss = Loss.MeanSquaredError)] "), Gen.Const("[Network(Loss = Loss.BinaryCrossEntropy)] "),
            Gen.Const("[Network(Loss = Loss.SoftmaxCrossEntropy)] "), Gen.Const("[Network] "))),
        (1, Gen.OneOf(Gen.Const("[Network(Loss = (Loss)9)] "), Gen.Const("[Network(EmbeddedWeights = \"we\\\"ird\\n\")] "))));

    /// <summary>The class: mostly a plain partial class, sometimes something the generator cannot extend, or a clash.</summary>
    private static readonly Gen<(string Header, string Body)> Class = Gen.Frequency(
        (16, Gen.Const(("partial class N", ""))),
        (2, Gen.OneOf(new[] { "partial class @class", "partial class NET", "partial class Forward", "partial record N", "static partial class N",
            "file partial class N", "class N", "partial class N<T>", "partial class N(int width)", "sealed partial class N", "abstract partial class N" }
            .Select(h => Gen.Const((h, ""))).ToArray())),
        (2, Gen.OneOf(new[] { "public const int InputSize = 1;", "public void Forward(System.ReadOnlySpan<float> a, System.Span<float> b) { }",
            "public N(int seed) { }", "public struct InputBuffer { }", "public void Forward(float[] x) { }", "public N(string s) : this(1) { }",
            "public int Layer0Forward;", "public int Layers0Forward;" }.Select(b => Gen.Const(("partial class N", b))).ToArray())));

    private static readonly Gen<string> Namespace = Gen.Frequency((6, Gen.Const("")), (1, Gen.Const("Demo")), (1, Gen.Const("@event")), (1, Gen.Const("A.@if")));

    // Coherent stacks: each layer accepts the one before, so that many declarations build; their sizes are mostly small and
    // sometimes huge or degenerate (where a structurally valid network overflows a buffer, the bugs of issue 16).

    /// <summary>A size that is usually small, rarely anything <see cref="Size"/> gives.</summary>
    private static readonly Gen<int> Dim = Gen.Frequency((25, Gen.Int[1, 8]), (1, Size));

    private static readonly Gen<string> DenseLayer = Gen.Select(Dim, Activation, Name, (u, a, n) => $"Dense({u}{a}{n})");

    private static readonly Gen<string> Shapeless = Gen.Frequency(
        (1, Gen.Select(Name, n => $"BatchNorm({n.TrimStart(',', ' ')})")),
        (1, Gen.Select(Gen.OneOf(Gen.Const("0.25f"), Gen.Const("0f")), Name, (r, n) => $"Dropout({r}{n})")));

    private static readonly Gen<string> VectorStack = Gen.Select(Dim, Gen.Frequency((3, DenseLayer), (1, Shapeless)).Array[0, 3], DenseLayer,
        (n, middle, last) => $"[Input({n})]" + string.Concat(middle.Select(l => $" [{l}]")) + $" [{last}]");

    private static readonly Gen<string> Conv2DLayer = Gen.Select(Dim, Gen.Int[1, 3], Activation, Option("Stride", Gen.Int[1, 2]), Option("Padding", Gen.Int[0, 1]),
        Option("Dilation", Gen.Int[1, 2]), Name, (f, k, a, s, p, d, n) => $"Conv2D({f}, {k}{a}{s}{p}{d}{n})");

    private static readonly Gen<string> ImageStack = Gen.Select(Dim, Gen.Frequency((20, Gen.Int[4, 10]), (1, Size)), Gen.Int[4, 10],
        Gen.Frequency((4, Conv2DLayer), (1, Gen.Select(Gen.OneOf(Gen.Const("MaxPool2D"), Gen.Const("AvgPool2D")), Gen.Int[1, 2], (kind, k) => $"{kind}({k})")), (1, Shapeless)).Array[1, 3],
        Gen.OneOf(Gen.Const("Flatten"), Gen.Const("GlobalAvgPool")), DenseLayer,
        (c, h, w, middle, reduce, last) => $"[Input({c}, {h}, {w})]" + string.Concat(middle.Select(l => $" [{l}]")) + $" [{reduce}] [{last}]");

    private static readonly Gen<string> SignalStack = Gen.Select(Dim, Gen.Int[4, 12],
        Gen.Frequency((3, Gen.Select(Dim, Gen.Int[1, 3], Activation, Option("Padding", Gen.Int[0, 1]), (f, k, a, p) => $"Conv1D({f}, {k}{a}{p})")),
            (1, Gen.Select(Gen.OneOf(Gen.Const("MaxPool1D"), Gen.Const("AvgPool1D")), Gen.Int[1, 2], (kind, k) => $"{kind}({k})"))).Array[1, 3],
        DenseLayer, (c, l, middle, last) => $"[Input({c}, {l})]" + string.Concat(middle.Select(x => $" [{x}]")) + $" [Flatten] [{last}]");

    private static readonly Gen<string> Recurrent = Gen.Select(Gen.OneOf(Gen.Const("SimpleRNN"), Gen.Const("LSTM"), Gen.Const("GRU")), Dim,
        Gen.Frequency((6, Gen.Const("")), (1, Gen.Const(", NumLayers = 2")), (1, Gen.Const(", Bidirectional = true")),
            (1, Gen.Const(", NumLayers = 2, Bidirectional = true, Dropout = 0.25f"))), Name,
        (kind, h, o, n) => $"{kind}({h}, ReturnSequences = true{o}{n})");


    private static readonly Gen<string> SequenceStack = Gen.Select(Dim, Dim, Gen.Bool, Gen.Frequency((4, Recurrent), (1, DenseLayer)).Array[1, 2], DenseLayer,
        (t, f, tokens, middle, last) => (tokens ? $"[Input({t})] [Embedding({f + 3}, {f})]" : $"[Input({t}, {f})]") +
            string.Concat(middle.Select(x => $" [{x}]")) + $" [{last}]");

    private static readonly Gen<string> CoherentLoss = Gen.Frequency(
        (3, Gen.Const("")), (3, Gen.Const("[Network(Loss = Loss.MeanSquaredError)] ")), (2, Gen.Const("[Network(Loss = Loss.BinaryCrossEntropy)] ")),
        (2, Gen.Const("[Network(Loss = Loss.SoftmaxCrossEntropy)] ")));

    private static readonly Gen<string> Coherent = Gen.Select(CoherentLoss, Gen.OneOf(VectorStack, ImageStack, SignalStack, SequenceStack),
        (loss, stack) => $"using StaticNet;\n{loss}{stack} partial class N {{ }}");

    private static readonly Gen<string> Declaration = Gen.Frequency((1, Anything()), (1, Coherent));

    private static Gen<string> Anything() => Gen.Select(Namespace, Loss, Input, Layer.Array[0, 6], Class,
        (ns, loss, input, layers, type) =>
        {
            string attributes = loss + $"[{input}]" + string.Concat(layers.Select(l => $" [{l}]"));
            string declaration = $"{attributes} {type.Header} {{ {type.Body} }}";
            if (type.Header.Contains('<')) declaration = $"{attributes} partial class N<T> {{ }}";
            return "using StaticNet;\n" + (ns.Length == 0 ? declaration : $"namespace {ns} {{ {declaration} }}");
        });

    // ── the property ──────────────────────────────────────────────────────────────────────────────────────────────

    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("STATICNET_PROPERTY_ITERATIONS"), out int n) && n > 0 ? n : DefaultIterations;

    [Fact]
    public void EveryDeclarationBuildsOrHasAnSnetErrorOnTheUsersFile()
    {
        var stopwatch = Stopwatch.StartNew();
        int built = 0, rejected = 0, ran = 0;
        Declaration.Sample(source =>
        {
            BuildOutcome outcome = BuildOutcome.Of(source);
            outcome.AssertInvariant(source);
            if (!outcome.Errors.IsEmpty) { rejected++; return; }
            built++;
            if (RunIfSmall(outcome)) ran++;
        }, seed: Environment.GetEnvironmentVariable("STATICNET_PROPERTY_SEED"), iter: Iterations, threads: 1);
        output.WriteLine($"{Iterations} declarations in {stopwatch.Elapsed.TotalSeconds:F1} s: {built} built ({ran} run), {rejected} rejected with an SNET error");
        Assert.True(built > 0 && rejected > 0, $"{built} built, {rejected} rejected: the generators no longer cover both sides");
    }

    private static readonly Regex s_constant = new(@"private const int (?<name>ParameterBufferLength|RowActivationLength) = (?<value>\d+);");

    /// <summary>Runs a generated network whose buffers are small: finite outputs, the scalar path's Forward, a finite TrainStep.</summary>
    private static bool RunIfSmall(BuildOutcome outcome)
    {
        if (outcome.Files.Length != 1) return false;
        string generated = outcome.Files[0].SourceText.ToString();
        var sizes = s_constant.Matches(generated).ToDictionary(m => m.Groups["name"].Value, m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        if (sizes.GetValueOrDefault("ParameterBufferLength", long.MaxValue) > 1 << 20 || sizes.GetValueOrDefault("RowActivationLength", long.MaxValue) > 1 << 15)
            return false;

        Assembly assembly = outcome.Load();
        Type type = assembly.GetTypes().Single(t => typeof(INetwork).IsAssignableFrom(t));
        if (type.IsAbstract) return false; // an abstract network builds, but only a derived class can run
        var network = (INetwork)Activator.CreateInstance(type, 7)!;
        bool tokens = generated.Contains("ReadOnlySpan<int> input,");
        var random = new Random(11);
        float[] input = Enumerable.Range(0, network.InputSize).Select(_ => tokens ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] simd = new float[network.OutputSize], scalar = new float[network.OutputSize];
        network.Forward(input, simd);
        Assert.All(simd, v => Assert.True(float.IsFinite(v), $"Forward gave {v}\n{generated}"));
        using (ScalarKernels.On())
            network.Forward(input, scalar);
        for (int i = 0; i < simd.Length; i++)
            Assert.True(Math.Abs(simd[i] - scalar[i]) <= 1e-4f + 1e-3f * Math.Abs(scalar[i]), $"output {i}: SIMD {simd[i]}, scalar {scalar[i]}\n{generated}");

        if (network is ITrainableNetwork trainable)
        {
            float[] inputs = input.Concat(input).ToArray();
            float[] targets = Enumerable.Repeat(1f / network.OutputSize, 2 * network.OutputSize).ToArray();
            if (!generated.Contains("TrainingForwardRows")) // no BatchNorm statistics or dropout draws: gradients are repeatable
            {
                float simdLoss = trainable.ComputeGradients(inputs, targets);
                float[] simdGradients = trainable.Gradients.ToArray();
                float scalarLoss;
                using (ScalarKernels.On())
                    scalarLoss = trainable.ComputeGradients(inputs, targets);
                float[] scalarGradients = trainable.Gradients.ToArray();
                Assert.True(float.IsFinite(simdLoss) && Math.Abs(simdLoss - scalarLoss) <= 1e-4f + 1e-3f * Math.Abs(scalarLoss), $"loss: SIMD {simdLoss}, scalar {scalarLoss}\n{generated}");
                float scale = scalarGradients.Select(Math.Abs).DefaultIfEmpty(0f).Max();
                for (int i = 0; i < scalarGradients.Length; i++)
                    Assert.True(Math.Abs(simdGradients[i] - scalarGradients[i]) <= 1e-5f + 1e-3f * scale,
                        $"gradient {i}: SIMD {simdGradients[i]}, scalar {scalarGradients[i]} (largest {scale})\n{generated}");
            }
            float loss = trainable.TrainStep(inputs, targets, new StaticNet.Optimizers.Sgd(0.01f));
            Assert.True(float.IsFinite(loss), $"TrainStep gave loss {loss}\n{generated}");
            network.Forward(input, simd);
            Assert.All(simd, v => Assert.True(float.IsFinite(v), $"Forward after TrainStep gave {v}\n{generated}"));
        }
        return true;
    }

    /// <summary>Switches the calling thread to the scalar reference kernels (KernelOptions.ForceScalar) until disposed.</summary>
    private sealed class ScalarKernels : IDisposable
    {
        private static readonly PropertyInfo s_forceScalar = typeof(INetwork).Assembly.GetType("StaticNet.Kernels.KernelOptions", throwOnError: true)!
            .GetProperty("ForceScalar", BindingFlags.NonPublic | BindingFlags.Static)!;

        public static ScalarKernels On()
        {
            s_forceScalar.SetValue(null, true);
            return new ScalarKernels();
        }

        public void Dispose() => s_forceScalar.SetValue(null, false);
    }
}
