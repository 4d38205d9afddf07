using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Model;
using StaticNet.Generator.Shapes;

namespace StaticNet.Generator.Layers;

/// <summary>The settings of <c>[Reparameterize]</c>.</summary>
/// <param name="Beta">The weight of the KL term.</param>
internal sealed record ReparameterizeOptions(float Beta) : LayerOptions;

/// <summary>
/// <c>[Reparameterize]</c>, a VAE's sampling step: <c>[mean | logvar]</c> (2·latent) → latent. Training draws
/// <c>z = mean + exp(0.5·logvar)·ε</c> from the network's generator (σ·ε kept in the <c>Noise</c> region for backward);
/// inference outputs the mean. Its KL divergence from N(0, I) is a loss term (<see cref="PenaltyCall"/>): the training
/// chunk adds it to the loss after the forward pass and writes its gradient into the <c>KlGradient</c> region, which the
/// backward pass adds to the input's gradient.
/// </summary>
internal sealed class ReparameterizeLayer : LayerDefinition
{
    public static readonly ReparameterizeLayer Instance = new();

    private ReparameterizeLayer() : base(LayerKind.Reparameterize, "StaticNet.ReparameterizeAttribute")
    {
    }

    public override LayerSpec Read(AttributeData attribute, int attributeIndex, string? name) =>
        new(Kind, attributeIndex, EquatableArray<int>.Empty, 0, ActivationKind.None, name,
            new ReparameterizeOptions(AttributeArguments.NamedFloat(attribute, "Beta", 1f)));

    public override bool CheckPlace(LayerContext c, ActivationShape input)
    {
        if (c.Previous is not null) return true;
        c.Error(DiagnosticIds.InvalidOption,
            $"Reparameterize '{c.Name}' is the first layer; expected it after the encoder's [Dense(2 * latent)], which computes its [mean | logvar] input");
        return false;
    }

    public override (ActivationShape Output, Window? Window)? Infer(LayerContext c, ActivationShape input)
    {
        float beta = ((ReparameterizeOptions)c.Layer.Options!).Beta;
        if (!(beta >= 0f) || float.IsInfinity(beta))
            return Fail(c.Error(DiagnosticIds.InvalidOption, $"Reparameterize '{c.Name}' has Beta {Text(beta)}; expected a finite weight ≥ 0"));
        if (input.Kind != ShapeKind.Vector || input.Channels % 2 != 0)
            return Fail(c.Error(DiagnosticIds.InvalidOption,
                $"Reparameterize '{c.Name}' takes a vector of 2·latent values, [mean | logvar]; got {input.Text}. Put it after a [Dense] with an even number of outputs"));
        int latent = input.Channels / 2;
        ActivationShape output = ActivationShape.Padded(ShapeKind.Vector, latent);
        c.OutputRegions(output, ActivationKind.None);
        c.Region("Noise", latent, "σ·ε per latent value, for backward");
        c.Region("KlGradient", 2 * latent, "the KL term's gradient times the loss's scale, [mean | logvar]");
        return (output, null);
    }

    public override bool HasTrainingMode => true;

    public override bool UsesRandom => true;

    public override LayerRow Row(ShapedLayer layer) => new("Reparameterize (mu + exp(0.5 * logvar) * eps)", 0);

    public override IEnumerable<(string Suffix, bool IsMethod)> ExtraMembers(bool trainable)
    {
        if (!trainable) yield break;
        yield return ("TrainingForward", true);
        yield return ("Penalty", true);
    }

    // ── Loss term ──────────────────────────────────────────────────────────────────────────────────────────────────

    public override string? PenaltyCall(Wiring wiring, ShapedLayer layer, bool gradient) =>
        $"{layer.Identifier}Penalty({wiring.Input(layer)}, {(gradient ? wiring.RegionOf(layer, "KlGradient") : "default")}, rows, scale, " +
        "global::StaticNet.Kernels.LossKernels.ChunkWeights(weights, start, rows))";

    public override string? PenaltyText(ShapedLayer layer)
    {
        float beta = ((ReparameterizeOptions)layer.Spec.Options!).Beta;
        return $"{(beta == 1f ? "" : Text(beta) + " × ")}the KL divergence of {Identifiers.Doc(layer.Name)} (summed over its latent values, reduced as the loss)";
    }

    // ── Export ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>The inference form, the mean: a <c>Slice</c> of the first <c>latent</c> values of each row.</summary>
    public override void WriteOnnx(CodeWriter w, ShapedLayer layer) =>
        w.Line($"x = onnx.Slice(x, new long[] {{ 0 }}, new long[] {{ {layer.Output.Channels} }}, new long[] {{ 1 }}); // Reparameterize in inference: the mean");

    /// <summary>
    /// The helper <c>Reparameterize(latent)</c>: the mean in eval mode; in training mode a sample drawn with torch's generator
    /// (not StaticNet's, so the samples differ). The KL term is not part of the module: add it to the loss in PyTorch.
    /// </summary>
    public override IEnumerable<(string Name, string Module)>? PyTorchModules(ShapedLayer layer)
    {
        yield return (PyTorchName(layer), $"Reparameterize({layer.Output.Channels})");
    }

    // ── Emission ───────────────────────────────────────────────────────────────────────────────────────────────────

    public override string ForwardCall(Wiring wiring, ShapedLayer layer, bool training) => training
        ? $"{layer.Identifier}TrainingForward({wiring.Input(layer)}, {wiring.RegionOf(layer, "Noise")}, {wiring.Output(layer)}, rows, ref random);"
        : $"{layer.Identifier}Forward({wiring.Input(layer)}, {wiring.Output(layer)}, rows);";

    public override string? BackwardCall(Wiring wiring, ShapedLayer layer) =>
        wiring.InputDelta(layer) is { } dx
            ? $"{layer.Identifier}Backward({wiring.OutputDelta(layer)}, {wiring.RegionOf(layer, "Noise")}, {wiring.RegionOf(layer, "KlGradient")}, {dx}, rows);"
            : null;

    public override void WriteMethods(CodeWriter w, Wiring wiring, ShapedLayer layer)
    {
        string id = layer.Identifier, name = Identifiers.Doc(layer.Name);
        int latent = layer.Output.Channels, xStride = layer.Input.PositionStride, yStride = layer.Output.PositionStride;
        float beta = ((ReparameterizeOptions)layer.Spec.Options!).Beta;
        string k = Kernels + "ReparameterizeKernels.";
        WriteBanner(w, layer, $"Reparameterize [mean | logvar] {layer.Input.Text} → {layer.Output.Text}, β {Text(beta)}");

        w.Line($"/// <summary>{name} forward in inference: z = mean, the first {latent} of each [mean | logvar] row.</summary>");
        w.Hot();
        w.Open($"private static void {id}Forward({ReadOnlySpan} x, {Span} y, int rows)");
        w.Line($"{k}Inference(x, rows, latent: {latent}, xStride: {xStride}, y, yStride: {yStride});");
        w.Close();
        w.Line();
        if (!wiring.Trains) return;

        w.Line($"/// <summary>{name} forward in training: z = mean + exp(0.5·logvar)·ε, ε ~ N(0, 1) from <paramref name=\"random\"/>; σ·ε kept in <paramref name=\"noise\"/>.</summary>");
        w.Hot();
        w.Open($"private static void {id}TrainingForward({ReadOnlySpan} x, {Span} noise, {Span} y, int rows, ref ulong random)");
        w.Line($"{k}Forward(x, rows, latent: {latent}, xStride: {xStride}, ref random, noise, y, yStride: {yStride});");
        w.Close();
        w.Line();

        w.Line($"/// <summary>{name}'s loss term: {Text(beta)} × the KL divergence −0.5·Σ(1 + logvar − mean² − exp(logvar)) of each row, weighted, summed; its gradient × <paramref name=\"scale\"/> into <paramref name=\"gradient\"/> unless empty.</summary>");
        w.Hot();
        w.Open($"private static double {id}Penalty({ReadOnlySpan} x, {Span} gradient, int rows, float scale, {ReadOnlySpan} weights)");
        w.Line($"return {k}Divergence(x, rows, latent: {latent}, xStride: {xStride}, beta: {Literal(beta)}, scale, weights, gradient);");
        w.Close();
        w.Line();

        w.Line($"/// <summary>{name} backward: dmean = dz + ∂KL/∂mean, dlogvar = 0.5·σ·ε·dz + ∂KL/∂logvar.</summary>");
        w.Hot();
        w.Open($"private static void {id}Backward({ReadOnlySpan} dy, {ReadOnlySpan} noise, {ReadOnlySpan} klGradient, {Span} dx, int rows)");
        w.Line($"{k}Backward(dy, yStride: {yStride}, noise, klGradient, rows, latent: {latent}, dx, xStride: {xStride});");
        w.Close();
        w.Line();
    }
}
