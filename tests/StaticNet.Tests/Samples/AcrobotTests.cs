using System;
using GameAgent;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>
/// The GameAgent sample's Acrobot against a NumPy transcription of Gymnasium's acrobot.py
/// (tests/reference/make_acrobot_reference.py, whose printed rows are embedded below), and against the mechanics the
/// equations must obey: energy is conserved without torque and changes by τ·Δθ₂ with one.
/// </summary>
public class AcrobotTests
{
    /// <summary>(action, θ₁, θ₂, θ̇₁, θ̇₂, reward, terminated) after each step, from the state in the comment above each group.</summary>
    private static readonly double[][] Reference =
    [
        // from (0.05, -0.08, 0.03, 0.1), actions 0 2 1 2 2 0 0 1
        [0, 0.06158817447149113, -0.08193384620631905, 0.08338021065474371, -0.11701481275697567, -1.0, 0.0],
        [2, 0.05520761786832447, -0.055665061532048817, -0.14480628455775235, 0.37369964046116066, -1.0, 0.0],
        [1, 0.020190324095739023, 0.02635489671845318, -0.19564730029932415, 0.42683908554107275, -1.0, 0.0],
        [2, -0.03196003474940647, 0.14081361833841155, -0.31135874969844046, 0.6892167494920873, -1.0, 0.0],
        [2, -0.09736348518767562, 0.2882569343779653, -0.3247076401075263, 0.7496038471707706, -1.0, 0.0],
        [0, -0.12893910331707073, 0.3595578437086529, 0.015919947974252724, -0.05012230164653442, -1.0, 0.0],
        [0, -0.09123018064249017, 0.2687973454578958, 0.3517339320507152, -0.8385988225029284, -1.0, 0.0],
        [1, -0.008639791522009693, 0.07273700396006177, 0.4513181300481058, -1.0756499961304151, -1.0, 0.0],
        // from (2.9, -0.4, 3.0, 11.0), actions 2 2 2 0 0 0
        [2, -2.482080604268093, 1.3937311596459665, 7.7161899932233835, 3.8451967219755776, -1.0, 0.0],
        [2, -0.43237075861803786, 0.9478124950897202, 12.033812953948342, -8.217051603836007, -1.0, 0.0],
        [2, 1.9513185496209715, -0.8776717853105067, 10.510255949339953, -5.982867129319308, -1.0, 0.0],
        [0, -2.51909749474705, -1.1951078213780029, 7.505793697701771, 2.5030451493508394, 0.0, 1.0],
        // from (-1.2, 2.5, -6.0, 27.0), actions 0 1 2 2
        [0, 3.033381821034305, -3.0888888881735603, -12.566370614359172, 28.274333882308138, -1.0, 0.0],
        [1, 0.1471468711181929, -3.0033590982129743, -12.566370614359172, 28.274333882308138, -1.0, 0.0],
        [2, -2.4619190857931237, 2.9727790175542426, -12.566370614359172, 28.274333882308138, -1.0, 0.0],
        [2, 0.7065738829704591, -2.6178606703238945, -12.566370614359172, 28.274333882308138, -1.0, 0.0],
        // from (1.9, 0.6, 2.0, -1.0), actions 2 2 2 2 2 2
        [2, 2.1748121005378156, 0.529947351763025, 0.7668590911953086, 0.32734058052751713, 0.0, 1.0],
    ];

    private static readonly double[][] Starts = [[0.05, -0.08, 0.03, 0.1], [2.9, -0.4, 3.0, 11.0], [-1.2, 2.5, -6.0, 27.0], [1.9, 0.6, 2.0, -1.0]];
    private static readonly int[] Lengths = [8, 4, 4, 1];

    /// <summary>Every step (RK4, wrapping, the velocity limits, the goal and its reward of 0) matches the reference to 1e-12.</summary>
    [Fact]
    public void StepsMatchTheGymnasiumReference()
    {
        var game = new Acrobot(seed: 1);
        int row = 0;
        for (int c = 0; c < Starts.Length; c++)
        {
            game.SetState(Starts[c][0], Starts[c][1], Starts[c][2], Starts[c][3]);
            for (int k = 0; k < Lengths[c]; k++, row++)
            {
                double[] expected = Reference[row];
                float reward = game.Step((int)expected[0], out bool terminated, out bool truncated);
                string where = $"case {c}, step {k + 1}";
                Assert.True(Math.Abs(game.Theta1 - expected[1]) < 1e-12, $"{where}: θ₁ {game.Theta1:R}, expected {expected[1]:R}");
                Assert.True(Math.Abs(game.Theta2 - expected[2]) < 1e-12, $"{where}: θ₂ {game.Theta2:R}, expected {expected[2]:R}");
                Assert.True(Math.Abs(game.Theta1Dot - expected[3]) < 1e-12, $"{where}: θ̇₁ {game.Theta1Dot:R}, expected {expected[3]:R}");
                Assert.True(Math.Abs(game.Theta2Dot - expected[4]) < 1e-12, $"{where}: θ̇₂ {game.Theta2Dot:R}, expected {expected[4]:R}");
                Assert.Equal(expected[5], reward);
                Assert.Equal(expected[6] == 1.0, terminated);
                Assert.False(truncated);
            }
        }
        Assert.Equal(Reference.Length, row);
    }

    /// <summary>
    /// Without torque the double pendulum conserves energy; RK4 with dt = 0.2 keeps it to a small drift (0.15 % over
    /// these 20 steps, 4 s of swinging), where a wrong term in the equations gains or loses several percent per step.
    /// </summary>
    [Fact]
    public void EnergyIsConservedWithoutTorque()
    {
        var game = new Acrobot(seed: 1);
        game.SetState(0.8, -0.5, 0.3, -0.2);
        double start = game.Energy;
        for (int k = 0; k < 20; k++)
        {
            game.Step(1, out bool terminated, out _);
            Assert.False(terminated);
        }
        Assert.True(Math.Abs(game.Energy - start) < 5e-3 * Math.Abs(start), $"energy {start:G6} → {game.Energy:G6}");
    }

    /// <summary>A torque τ on the second joint does work τ·Δθ₂: the torque enters the equations where the book puts it.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void TorqueDoesWorkOnTheSecondJoint(int action)
    {
        var game = new Acrobot(seed: 1);
        game.SetState(0.3, 0.2, 0.1, 0.4);
        double torque = action - 1, energy = game.Energy, theta2 = game.Theta2;
        game.Step(action, out _, out _);
        double work = torque * (game.Theta2 - theta2);
        Assert.True(Math.Abs(work) > 0.05, "the joint should have turned");
        Assert.True(Math.Abs(game.Energy - energy - work) < 1e-3 * Math.Abs(work) + 1e-4, $"ΔE {game.Energy - energy:G6}, work {work:G6}");
    }

    /// <summary>Hanging straight down without torque stays there (up to rounding) and is cut off after 500 steps, not before.</summary>
    [Fact]
    public void RestIsAnEquilibriumAndEpisodesAreCutOffAt500Steps()
    {
        var game = new Acrobot(seed: 1);
        game.SetState(0, 0, 0, 0);
        bool terminated = false, truncated = false;
        float total = 0;
        for (int k = 0; k < 500; k++)
        {
            Assert.False(truncated);
            total += game.Step(1, out terminated, out truncated);
        }
        Assert.False(terminated);
        Assert.True(truncated);
        Assert.Equal(-500f, total);
        Assert.True(Math.Abs(game.Theta1) < 1e-9 && Math.Abs(game.Theta2) < 1e-9, $"({game.Theta1}, {game.Theta2})");
    }

    [Fact]
    public void ResetObserveAndWrap()
    {
        var game = new Acrobot(seed: 3);
        Span<float> observation = stackalloc float[Acrobot.ObservationSize];
        for (int k = 0; k < 50; k++)
        {
            game.Reset();
            foreach (double v in new[] { game.Theta1, game.Theta2, game.Theta1Dot, game.Theta2Dot }) Assert.InRange(v, -0.1, 0.1);
            Assert.Equal(0, game.Steps);
        }
        game.SetState(0.5, -2.0, 1.5, -3.0);
        game.Observe(observation);
        Assert.Equal([(float)Math.Cos(0.5), (float)Math.Sin(0.5), (float)Math.Cos(-2.0), (float)Math.Sin(-2.0), 1.5f, -3f], observation.ToArray());
        Assert.Equal(3.5 - 2 * Math.PI, Acrobot.Wrap(3.5), 12);
        Assert.Equal(-4 + 2 * Math.PI, Acrobot.Wrap(-4), 12);
        Assert.Equal(1.25, Acrobot.Wrap(1.25));
        Assert.Throws<ArgumentOutOfRangeException>(() => game.Step(3, out _, out _));
    }
}
