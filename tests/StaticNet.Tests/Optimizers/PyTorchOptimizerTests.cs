using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// Three steps of each optimizer against torch.optim, from fixtures/optimizers.json written by
/// tests/reference/make_optimizer_fixtures.py.
/// </summary>
public sealed class PyTorchOptimizerTests
{
    // Relative to max(1, |expected|): a few float32 rounding steps over three updates.
    private const double Tolerance = 1e-6;

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "optimizers.json"))));

    public static IEnumerable<object[]> CaseNames() =>
        Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesPyTorch(string name)
    {
        JsonElement root = Fixture.Value.RootElement;
        JsonElement testCase = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        Optimizer optimizer = Create(testCase.GetProperty("optimizer").GetString()!, testCase.GetProperty("hyperparameters"));
        optimizer.MaxGradientNorm = (float)testCase.GetProperty("maxGradientNorm").GetDouble();

        float[] parameters = Floats(root.GetProperty("initial"));
        float[][] gradients = root.GetProperty("gradients").EnumerateArray().Select(Floats).ToArray();
        float[][] expected = testCase.GetProperty("expected").EnumerateArray().Select(Floats).ToArray();
        Assert.Equal(37, parameters.Length);

        for (int step = 0; step < gradients.Length; step++)
        {
            optimizer.Step(parameters, gradients[step]);
            for (int i = 0; i < parameters.Length; i++)
            {
                double error = Math.Abs(parameters[i] - expected[step][i]) / Math.Max(1.0, Math.Abs(expected[step][i]));
                Assert.True(error <= Tolerance,
                    $"{name}, step {step + 1}, parameter {i}: expected {expected[step][i]:R}, found {parameters[i]:R} (relative error {error:E2}).");
            }
        }
        Assert.Equal(gradients.Length, optimizer.StepCount);
    }

    [Fact]
    public void ResetForgetsStateAndRepeatsTheSameSteps()
    {
        JsonElement root = Fixture.Value.RootElement;
        float[][] gradients = root.GetProperty("gradients").EnumerateArray().Select(Floats).ToArray();
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(0.1f, momentum: 0.9f), new Adam(0.01f), new AdamW(0.01f) })
        {
            float[] first = Floats(root.GetProperty("initial"));
            float[] second = (float[])first.Clone();
            foreach (float[] g in gradients) optimizer.Step(first, g);
            optimizer.Reset();
            Assert.Equal(0, optimizer.StepCount);
            Assert.Equal(0, optimizer.ParameterCount);
            foreach (float[] g in gradients) optimizer.Step(second, g);
            Assert.Equal(first, second);
        }
    }

    private static Optimizer Create(string kind, JsonElement hp)
    {
        float F(string key, float fallback) => hp.TryGetProperty(key, out JsonElement v) ? (float)v.GetDouble() : fallback;
        return kind switch
        {
            "Sgd" => new Sgd(F("learningRate", float.NaN), F("momentum", 0f),
                hp.TryGetProperty("nesterov", out JsonElement n) && n.GetBoolean(), F("weightDecay", 0f)),
            "Adam" => new Adam(F("learningRate", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("epsilon", 1e-8f), F("weightDecay", 0f)),
            "AdamW" => new AdamW(F("learningRate", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("epsilon", 1e-8f), F("weightDecay", 1e-2f)),
            _ => throw new ArgumentException($"Unknown optimizer '{kind}' in the fixture."),
        };
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
