using System;

namespace GameAgent;

/// <summary>
/// The cart-pole of Barto, Sutton &amp; Anderson (1983) with the constants, equations and limits of Gymnasium's
/// <c>CartPole-v1</c>: gravity 9.8, cart 1.0 kg, pole 0.1 kg, half-length 0.5 m, force ±10 N, τ = 0.02 s,
/// explicit Euler (x ← x + τẋ, then ẋ ← ẋ + τẍ, with the accelerations from the state before the step).
/// An episode ends (terminates) when |x| &gt; 2.4 or |θ| &gt; 12°, and is cut off (truncated) after 500 steps; every
/// step, the failing one included, earns a reward of 1. The state is kept in double precision, as Gymnasium's
/// NumPy arrays are; observations are handed out as floats.
/// </summary>
public sealed class CartPole : IControlTask
{
    public const double Gravity = 9.8;
    public const double CartMass = 1.0;
    public const double PoleMass = 0.1;
    public const double TotalMass = CartMass + PoleMass;
    /// <summary>Half the pole's length, as in Gymnasium.</summary>
    public const double Length = 0.5;
    public const double PoleMassLength = PoleMass * Length;
    public const double ForceMagnitude = 10.0;
    public const double Tau = 0.02;
    public const double ThetaThreshold = 12 * 2 * Math.PI / 360;
    public const double XThreshold = 2.4;
    public const int MaxSteps = 500;
    public const int ObservationSize = 4;
    public const int ActionCount = 2;

    private Rng _rng;

    int IControlTask.ObservationSize => ObservationSize;
    int IControlTask.ActionCount => ActionCount;

    public CartPole(int seed) => _rng = new Rng(seed);

    public double X { get; private set; }
    public double XDot { get; private set; }
    public double Theta { get; private set; }
    public double ThetaDot { get; private set; }

    /// <summary>Steps taken in this episode.</summary>
    public int Steps { get; private set; }

    /// <summary>Starts an episode: every state variable uniform in [−0.05, 0.05].</summary>
    public void Reset()
    {
        X = Uniform();
        XDot = Uniform();
        Theta = Uniform();
        ThetaDot = Uniform();
        Steps = 0;
    }

    private double Uniform() => _rng.NextDouble() * 0.1 - 0.05;

    /// <summary>Puts the system in a given state (tests, replays).</summary>
    public void SetState(double x, double xDot, double theta, double thetaDot)
    {
        X = x;
        XDot = xDot;
        Theta = theta;
        ThetaDot = thetaDot;
        Steps = 0;
    }

    /// <summary>Writes (x, ẋ, θ, θ̇) into <paramref name="observation"/>.</summary>
    public void Observe(Span<float> observation)
    {
        observation[0] = (float)X;
        observation[1] = (float)XDot;
        observation[2] = (float)Theta;
        observation[3] = (float)ThetaDot;
    }

    /// <summary>
    /// Pushes the cart left (action 0) or right (action 1) for one time step. Returns the reward (1) and whether the
    /// pole fell or the cart left the track (<paramref name="terminated"/>) or the step limit was reached
    /// (<paramref name="truncated"/>; not a failure, so a learner should still bootstrap from the next state).
    /// </summary>
    public float Step(int action, out bool terminated, out bool truncated)
    {
        double force = action == 1 ? ForceMagnitude : -ForceMagnitude;
        double cos = Math.Cos(Theta), sin = Math.Sin(Theta);
        double temp = (force + PoleMassLength * ThetaDot * ThetaDot * sin) / TotalMass;
        double thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - PoleMass * cos * cos / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;

        X += Tau * XDot;
        XDot += Tau * xAcc;
        Theta += Tau * ThetaDot;
        ThetaDot += Tau * thetaAcc;
        Steps++;

        terminated = X < -XThreshold || X > XThreshold || Theta < -ThetaThreshold || Theta > ThetaThreshold;
        truncated = !terminated && Steps >= MaxSteps;
        return 1f;
    }
}
