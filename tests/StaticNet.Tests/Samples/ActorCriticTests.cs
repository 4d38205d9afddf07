using System;
using System.Linq;
using GameAgent;
using StaticNet.Optimizers;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>
/// The GameAgent sample's actor-critic: its loss's gradient and the generated network's Backward against finite
/// differences, the heads' output layout, a frame loop that allocates nothing, reproducibility, and a short run that
/// must learn.
/// </summary>
public class ActorCriticTests
{
    private static float[] Random(ref Rng rng, int count, float low, float high)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = low + (float)rng.NextDouble() * (high - low);
        return values;
    }

    /// <summary>∂L/∂output of A2C's loss (policy gradient, value, entropy) and of PPO's clipped one, by central differences.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LossGradientMatchesFiniteDifferences(bool ppo)
    {
        const int batch = 8, actions = 3, width = actions + 1;
        var rng = new Rng(11);
        float[] outputs = Random(ref rng, batch * width, -2f, 2f);
        int[] chosen = Enumerable.Range(0, batch).Select(_ => rng.Next(actions)).ToArray();
        float[] advantages = Random(ref rng, batch, -1.5f, 1.5f), returns = Random(ref rng, batch, -3f, 3f);
        float[] oldLogProbabilities = [];
        if (ppo)
        {
            // Ratios of about 1.65, 1.05, 0.95 and 0.61: two inside the clip range 1 ± 0.2 and two outside, each well
            // away from its edges, so that no difference below straddles a kink of the min/clip.
            oldLogProbabilities = new float[batch];
            float[] offsets = [-0.5f, -0.05f, 0.05f, 0.5f];
            for (int i = 0; i < batch; i++) oldLogProbabilities[i] = LogSoftmax(outputs.AsSpan(i * width, actions), chosen[i]) + offsets[i % 4];
        }
        const float clip = 0.2f, valueCoefficient = 0.5f, entropyCoefficient = 0.05f;
        var gradients = new float[outputs.Length];
        ActorCriticLoss loss = A2cLoss.Compute(outputs, actions, chosen, advantages, returns, oldLogProbabilities, clip, valueCoefficient, entropyCoefficient, gradients);
        Assert.Equal(loss.Policy + valueCoefficient * loss.Value - entropyCoefficient * loss.Entropy, loss.Total, 12);

        var scratch = new float[outputs.Length];
        double Loss(float[] o) => A2cLoss.Compute(o, actions, chosen, advantages, returns, oldLogProbabilities, clip, valueCoefficient, entropyCoefficient, scratch).Total;
        for (int i = 0; i < outputs.Length; i++)
        {
            float original = outputs[i];
            float up = original + 1e-3f, down = original - 1e-3f;
            outputs[i] = up;
            double lossUp = Loss(outputs);
            outputs[i] = down;
            double lossDown = Loss(outputs);
            outputs[i] = original;
            double numeric = (lossUp - lossDown) / ((double)up - down);
            Assert.True(Math.Abs(numeric - gradients[i]) <= 1e-5 + 1e-3 * Math.Abs(numeric),
                $"output {i} (sample {i / width}, {(i % width == actions ? "value" : "logit " + i % width)}): analytic {gradients[i]:G6}, numeric {numeric:G6}");
        }
        if (!ppo) return;

        // Without the entropy bonus, PPO's clipped samples (ratio above 1 + ε with a positive advantage, below 1 − ε with
        // a negative one) give the logits no gradient at all, and the others do.
        A2cLoss.Compute(outputs, actions, chosen, advantages, returns, oldLogProbabilities, clip, valueCoefficient, 0f, gradients);
        int clipped = 0;
        for (int i = 0; i < batch; i++)
        {
            double ratio = Math.Exp(LogSoftmax(outputs.AsSpan(i * width, actions), chosen[i]) - oldLogProbabilities[i]);
            bool flat = (ratio > 1 + clip && advantages[i] > 0) || (ratio < 1 - clip && advantages[i] < 0);
            clipped += flat ? 1 : 0;
            for (int j = 0; j < actions; j++)
                Assert.True(flat == (gradients[i * width + j] == 0f), $"sample {i}: ratio {ratio:F3}, advantage {advantages[i]:F3}, gradient {gradients[i * width + j]}");
        }
        Assert.InRange(clipped, 1, batch - 1);
    }

    private static float LogSoftmax(ReadOnlySpan<float> z, int a)
    {
        double max = z.ToArray().Max(), sum = 0;
        foreach (float v in z) sum += Math.Exp(v - max);
        return (float)(z[a] - max - Math.Log(sum));
    }

    /// <summary>The heads' layout: the last output is the value head's, the first ones the policy head's.</summary>
    [Fact]
    public void OutputIsThePolicyLogitsThenTheValue()
    {
        var network = new CartPoleActorCritic(2);
        var rng = new Rng(5);
        float[] states = Random(ref rng, 5 * CartPoleActorCritic.InputSize, -1f, 1f);
        var outputs = new float[5 * CartPoleActorCritic.OutputSize];
        foreach (var tensor in network.ParameterTensors.Where(t => t.Name.StartsWith("value.", StringComparison.Ordinal)))
            tensor.ImportFrom(new float[tensor.ElementCount], network.Parameters);
        network.ForwardBatch(states, outputs);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0f, outputs[i * 3 + 2]);
            Assert.NotEqual(0f, outputs[i * 3]);
            Assert.NotEqual(0f, outputs[i * 3 + 1]);
        }
    }

    /// <summary>
    /// The whole chain the agent trains with: ForwardTraining, the loss's ∂L/∂output, the generated Backward through the
    /// two heads and the shared trunk, against central differences of the loss of ForwardBatch's outputs, on the
    /// parameters with the largest gradients and on some of every tensor.
    /// </summary>
    [Theory]
    [InlineData(false, 12)]
    [InlineData(true, 12)]
    [InlineData(false, 70)] // three chunks of the generated code's 32 rows
    public void NetworkGradientMatchesFiniteDifferences(bool ppo, int batch)
    {
        const int actions = 3, width = 4;
        var network = new AcrobotActorCritic(3);
        var rng = new Rng(17);
        float[] states = Random(ref rng, batch * AcrobotActorCritic.InputSize, -1f, 1f);
        int[] chosen = Enumerable.Range(0, batch).Select(_ => rng.Next(actions)).ToArray();
        float[] advantages = Random(ref rng, batch, -1.5f, 1.5f), returns = Random(ref rng, batch, -2f, 2f);
        var outputs = new float[batch * width];
        network.ForwardBatch(states, outputs);
        float[] old = ppo ? Enumerable.Range(0, batch).Select(i => LogSoftmax(outputs.AsSpan(i * width, actions), chosen[i]) + (i % 2 == 0 ? 0.05f : 0.6f)).ToArray() : [];

        var outputGradients = new float[outputs.Length];
        network.ForwardTraining(states, outputs);
        A2cLoss.Compute(outputs, actions, chosen, advantages, returns, old, 0.2f, 0.5f, 0.05f, outputGradients);
        network.Backward(outputGradients);
        float[] analytic = network.Gradients.ToArray();

        var scratch = new float[outputs.Length];
        double Loss()
        {
            network.ForwardBatch(states, outputs);
            return A2cLoss.Compute(outputs, actions, chosen, advantages, returns, old, 0.2f, 0.5f, 0.05f, scratch).Total;
        }
        var checkedIndices = analytic.Select((g, i) => (g, i)).OrderByDescending(p => Math.Abs(p.g)).Take(12).Select(p => p.i).ToList();
        foreach (var tensor in network.ParameterTensors)
        {
            var element = new float[tensor.ElementCount];
            for (int k = 0; k < 3; k++)
            {
                // An element of this tensor, located in the internal layout by exporting a one-hot.
                Array.Clear(element);
                element[(k * 7 + 1) % element.Length] = 1f;
                var probe = new float[network.Parameters.Length];
                tensor.ImportFrom(element, probe);
                checkedIndices.Add(Array.IndexOf(probe, 1f));
            }
        }
        Assert.Contains(network.ParameterTensors, t => t.Name == "policy.weight");
        Assert.True(analytic.Max(Math.Abs) > 1e-3, "the gradient should not vanish");

        Span<float> parameters = network.Parameters;
        foreach (int i in checkedIndices.Distinct())
        {
            float original = network.Parameters[i];
            float up = original + 4e-3f, down = original - 4e-3f;
            network.Parameters[i] = up;
            double lossUp = Loss();
            network.Parameters[i] = down;
            double lossDown = Loss();
            network.Parameters[i] = original;
            double numeric = (lossUp - lossDown) / ((double)up - down);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-4 + 1e-2 * Math.Abs(numeric),
                $"parameter {i}: analytic {analytic[i]:G6}, numeric {numeric:G6}");
        }
    }

    /// <summary>A frame (a batch ForwardBatch, every game stepped, an update every rollout) allocates nothing once warm.</summary>
    [Theory]
    [InlineData(ControlTaskKind.CartPole, false)]
    [InlineData(ControlTaskKind.Acrobot, false)]
    [InlineData(ControlTaskKind.Acrobot, true)]
    public void FrameLoopAllocatesNothingOnceWarm(ControlTaskKind task, bool ppo)
    {
        A2cOptions options = ppo ? A2cOptions.Ppo : new A2cOptions();
        A2cAgent agent = ActorCriticTasks.Create(task, options, seed: 1);
        int rollout = options.RolloutSteps;
        long fewest = Allocations.Fewest(() => agent.Frame(), calls: rollout * 10, warmUp: rollout * 30);
        Assert.Equal(0, fewest);
        Assert.True(agent.Episodes > 0, "the windows should have crossed episode boundaries (resets)");
        Assert.True(agent.Updates >= 40);
    }

    [Fact]
    public void TrainingIsReproducibleForASeed()
    {
        float[] Run()
        {
            A2cAgent agent = ActorCriticTasks.Create(ControlTaskKind.Acrobot, new A2cOptions(), seed: 4);
            for (int i = 0; i < 16 * 20; i++) agent.Frame();
            return [agent.Episodes, agent.AverageReturn, (float)agent.LastLoss.Total, agent.Network.Parameters[77], agent.Network.Parameters[4000]];
        }
        Assert.Equal(Run(), Run());
    }

    /// <summary>
    /// A short run must learn: A2C solves CartPole-v1 (mean return ≥ 475 over 100 episodes) within 400,000 steps
    /// (seeds 1–20 took 119,000–207,000 on the development machine; about a second).
    /// </summary>
    [Fact]
    public void A2cSolvesCartPoleInAShortRun()
    {
        A2cAgent agent = ActorCriticTasks.Create(ControlTaskKind.CartPole, new A2cOptions(), seed: 1);
        float bar = ActorCriticTasks.SolvedAverage(ControlTaskKind.CartPole);
        bool solved = false;
        while (!solved && agent.Steps < 400_000)
            if (agent.Frame() > 0 && agent.Episodes >= A2cAgent.AverageWindow && agent.AverageReturn >= bar) solved = true;
        Assert.True(solved, $"average {agent.AverageReturn:F1} over the last 100 episodes after {agent.Steps:N0} steps");
    }
}
