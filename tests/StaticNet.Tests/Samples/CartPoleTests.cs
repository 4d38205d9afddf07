using System;
using GameAgent;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>The GameAgent sample's CartPole against the Barto–Sutton–Anderson equations worked by hand.</summary>
public class CartPoleTests
{
    /// <summary>
    /// From rest (θ = 0, so sin θ = 0, cos θ = 1), push right: temp = F/(m_c+m_p) = 10/1.1 = 100/11;
    /// θ̈ = (g·0 − 1·temp) / (l·(4/3 − m_p/(m_c+m_p))) = −(100/11) / (0.5·41/33) = −600/41;
    /// ẍ = temp − m_p·l·θ̈/(m_c+m_p) = 100/11 + 0.05·(600/41)/1.1 = 400/41.
    /// Euler with the old velocities: x = 0, ẋ = 0.02·400/41 = 8/41, θ = 0, θ̇ = −0.02·600/41 = −12/41.
    /// Then push left: θ is still 0, so the accelerations are the same with the opposite sign, and
    /// x = 0.02·8/41 = 0.16/41, ẋ = 0, θ = 0.02·(−12/41) = −0.24/41, θ̇ = 0.
    /// </summary>
    [Fact]
    public void RightThenLeftFromRestMatchesTheEquationsWorkedByHand()
    {
        var game = new CartPole(seed: 1);
        game.SetState(0, 0, 0, 0);

        game.Step(1, out bool terminated, out bool truncated);
        Assert.False(terminated);
        Assert.False(truncated);
        AssertState(game, 0, 8.0 / 41, 0, -12.0 / 41);

        game.Step(0, out terminated, out truncated);
        Assert.False(terminated);
        AssertState(game, 0.16 / 41, 0, -0.24 / 41, 0);
        Assert.Equal(2, game.Steps);
    }

    /// <summary>
    /// A third step from a tilted pole exercises the sin/cos terms: from (0, 0, θ₀ = 0.1, 0) pushing right,
    /// temp = 100/11, θ̈ = (9.8 sin 0.1 − cos 0.1 · 100/11) / (0.5·(4/3 − 0.1 cos² 0.1/1.1)),
    /// ẍ = temp − 0.05 θ̈ cos 0.1 / 1.1, evaluated here term by term (θ̇ = 0, so the centripetal term vanishes).
    /// </summary>
    [Fact]
    public void TiltedPoleStepMatchesTheEquations()
    {
        var game = new CartPole(seed: 1);
        game.SetState(0, 0, 0.1, 0);
        game.Step(1, out _, out _);

        double sin = Math.Sin(0.1), cos = Math.Cos(0.1);
        double temp = 10 / 1.1;
        double thetaAcc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos * cos / 1.1));
        double xAcc = temp - 0.05 * thetaAcc * cos / 1.1;
        AssertState(game, 0, 0.02 * xAcc, 0.1, 0.02 * thetaAcc);
        // The numbers themselves, to four places: θ̈ ≈ −8.06713/0.62167 ≈ −12.9766, ẍ ≈ 9.09091 + 0.58690 ≈ 9.6778.
        Assert.Equal(-12.9766, thetaAcc, 4);
        Assert.Equal(9.6778, xAcc, 4);
    }

    [Theory]
    [InlineData(2.39, 1.0, 0.0, 0.0)]      // x: 2.39 + 0.02·1 = 2.41 > 2.4
    [InlineData(-2.39, -1.0, 0.0, 0.0)]
    [InlineData(0.0, 0.0, 0.2090, 0.1)]     // θ: 0.2090 + 0.002 = 0.2110 > 12° = 0.20944
    [InlineData(0.0, 0.0, -0.2090, -0.1)]
    public void LeavingTheTrackOrTiltingPastTwelveDegreesTerminates(double x, double xDot, double theta, double thetaDot)
    {
        var game = new CartPole(seed: 1);
        game.SetState(x, xDot, theta, thetaDot);
        game.Step(0, out bool terminated, out bool truncated);
        Assert.True(terminated);
        Assert.False(truncated);
    }

    [Fact]
    public void EpisodesAreCutOffAfter500Steps()
    {
        var game = new CartPole(seed: 1);
        game.SetState(0, 0, 0, 0);
        bool terminated = false, truncated = false;
        for (int step = 0; step < CartPole.MaxSteps && !terminated; step++)
        {
            // Keep the pole up: push the way it leans (a simple stabilising rule on θ and θ̇).
            int action = game.Theta + 0.5 * game.ThetaDot > 0 ? 1 : 0;
            game.Step(action, out terminated, out truncated);
            Assert.Equal(step == CartPole.MaxSteps - 1, truncated);
        }
        Assert.False(terminated);
        Assert.True(truncated);
    }

    [Fact]
    public void ResetDrawsEachVariableFromPlusMinusFiveHundredths()
    {
        var game = new CartPole(seed: 3);
        for (int i = 0; i < 100; i++)
        {
            game.Reset();
            foreach (double v in new[] { game.X, game.XDot, game.Theta, game.ThetaDot }) Assert.InRange(v, -0.05, 0.05);
            Assert.Equal(0, game.Steps);
        }
    }

    private static void AssertState(CartPole game, double x, double xDot, double theta, double thetaDot)
    {
        Assert.Equal(x, game.X, 12);
        Assert.Equal(xDot, game.XDot, 12);
        Assert.Equal(theta, game.Theta, 12);
        Assert.Equal(thetaDot, game.ThetaDot, 12);
    }
}
