using System;

namespace GameAgent;

/// <summary>
/// The acrobot of Sutton (1996) and Sutton &amp; Barto's book, with the equations, constants and limits of Gymnasium's
/// <c>Acrobot-v1</c> (<c>acrobot.py</c>, <c>book_or_nips = "book"</c>): two links of length 1 m and mass 1 kg, centres of
/// mass at 0.5 m, moments of inertia 1, g = 9.8; a torque of −1, 0 or +1 on the joint between the links (actions 0, 1,
/// 2); one step integrates the equations of motion over dt = 0.2 s with a single classical Runge–Kutta (RK4) step, then
/// wraps both angles into [−π, π] and clips the angular velocities to ±4π and ±9π. θ₁ = θ₂ = 0 hangs straight down.
/// An episode starts with the four state variables uniform in [−0.1, 0.1], ends (terminates) when the free end is
/// more than one link length above the pivot, −cos θ₁ − cos(θ₁ + θ₂) &gt; 1, and is cut off (truncated) after 500
/// steps. The reward is −1 per step, 0 on the step that reaches the goal (as Gymnasium's), so an episode of k steps
/// returns −(k − 1), and one cut off returns −500. Observations: (cos θ₁, sin θ₁, cos θ₂, sin θ₂, θ̇₁, θ̇₂).
/// </summary>
public sealed class Acrobot : IControlTask
{
    public const double Gravity = 9.8;
    public const double LinkLength1 = 1.0;
    public const double LinkMass1 = 1.0;
    public const double LinkMass2 = 1.0;
    public const double LinkCenterOfMass1 = 0.5;
    public const double LinkCenterOfMass2 = 0.5;
    public const double LinkMomentOfInertia = 1.0;
    public const double MaxVelocity1 = 4 * Math.PI;
    public const double MaxVelocity2 = 9 * Math.PI;
    public const double Dt = 0.2;
    public const int MaxSteps = 500;
    public const int ObservationSize = 6;
    public const int ActionCount = 3;

    private Rng _rng;

    public Acrobot(int seed) => _rng = new Rng(seed);

    int IControlTask.ObservationSize => ObservationSize;
    int IControlTask.ActionCount => ActionCount;

    public double Theta1 { get; private set; }
    public double Theta2 { get; private set; }
    public double Theta1Dot { get; private set; }
    public double Theta2Dot { get; private set; }

    /// <summary>Steps taken in this episode.</summary>
    public int Steps { get; private set; }

    /// <summary>Starts an episode: every state variable uniform in [−0.1, 0.1].</summary>
    public void Reset()
    {
        Theta1 = Uniform();
        Theta2 = Uniform();
        Theta1Dot = Uniform();
        Theta2Dot = Uniform();
        Steps = 0;
    }

    private double Uniform() => _rng.NextDouble() * 0.2 - 0.1;

    /// <summary>Puts the system in a given state (tests, replays).</summary>
    public void SetState(double theta1, double theta2, double theta1Dot, double theta2Dot)
    {
        Theta1 = theta1;
        Theta2 = theta2;
        Theta1Dot = theta1Dot;
        Theta2Dot = theta2Dot;
        Steps = 0;
    }

    /// <summary>Writes (cos θ₁, sin θ₁, cos θ₂, sin θ₂, θ̇₁, θ̇₂) into <paramref name="observation"/>.</summary>
    public void Observe(Span<float> observation)
    {
        observation[0] = (float)Math.Cos(Theta1);
        observation[1] = (float)Math.Sin(Theta1);
        observation[2] = (float)Math.Cos(Theta2);
        observation[3] = (float)Math.Sin(Theta2);
        observation[4] = (float)Theta1Dot;
        observation[5] = (float)Theta2Dot;
    }

    /// <summary>The height of the free end above the pivot, in link lengths: −cos θ₁ − cos(θ₁ + θ₂).</summary>
    public double TipHeight => -Math.Cos(Theta1) - Math.Cos(Theta1 + Theta2);

    /// <summary>
    /// The total mechanical energy, kinetic plus potential (zero at the pivot's height): conserved by the equations of
    /// motion without torque, and changed at the rate τ·θ̇₂ by a torque τ (tests check both).
    /// </summary>
    public double Energy
    {
        get
        {
            const double m1 = LinkMass1, m2 = LinkMass2, l1 = LinkLength1, lc1 = LinkCenterOfMass1, lc2 = LinkCenterOfMass2;
            const double i1 = LinkMomentOfInertia, i2 = LinkMomentOfInertia;
            double c2 = Math.Cos(Theta2);
            double d11 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2) + i1 + i2;
            double d12 = m2 * (lc2 * lc2 + l1 * lc2 * c2) + i2;
            double d22 = m2 * lc2 * lc2 + i2;
            double kinetic = 0.5 * d11 * Theta1Dot * Theta1Dot + d12 * Theta1Dot * Theta2Dot + 0.5 * d22 * Theta2Dot * Theta2Dot;
            double potential = -(m1 * lc1 + m2 * l1) * Gravity * Math.Cos(Theta1) - m2 * lc2 * Gravity * Math.Cos(Theta1 + Theta2);
            return kinetic + potential;
        }
    }

    /// <summary>
    /// Applies the torque −1, 0 or +1 (action 0, 1 or 2) for dt = 0.2 s. Returns −1, or 0 when the step reaches the
    /// goal (<paramref name="terminated"/>); <paramref name="truncated"/> after the 500th step otherwise.
    /// </summary>
    public float Step(int action, out bool terminated, out bool truncated)
    {
        if ((uint)action >= ActionCount)
            throw new ArgumentOutOfRangeException(nameof(action), action, $"Expected an action of 0, 1 or 2 (torque −1, 0, +1); found {action}.");
        double torque = action - 1;

        // One RK4 step of (θ₁, θ₂, θ̇₁, θ̇₂) over [0, dt], as Gymnasium's rk4(self._dsdt, s_augmented, [0, dt]).
        double s0 = Theta1, s1 = Theta2, s2 = Theta1Dot, s3 = Theta2Dot;
        const double h = Dt, half = Dt / 2;
        Derivatives(s0, s1, s2, s3, torque, out double k10, out double k11, out double k12, out double k13);
        Derivatives(s0 + half * k10, s1 + half * k11, s2 + half * k12, s3 + half * k13, torque,
            out double k20, out double k21, out double k22, out double k23);
        Derivatives(s0 + half * k20, s1 + half * k21, s2 + half * k22, s3 + half * k23, torque,
            out double k30, out double k31, out double k32, out double k33);
        Derivatives(s0 + h * k30, s1 + h * k31, s2 + h * k32, s3 + h * k33, torque,
            out double k40, out double k41, out double k42, out double k43);
        s0 += h / 6.0 * (k10 + 2 * k20 + 2 * k30 + k40);
        s1 += h / 6.0 * (k11 + 2 * k21 + 2 * k31 + k41);
        s2 += h / 6.0 * (k12 + 2 * k22 + 2 * k32 + k42);
        s3 += h / 6.0 * (k13 + 2 * k23 + 2 * k33 + k43);

        Theta1 = Wrap(s0);
        Theta2 = Wrap(s1);
        Theta1Dot = Math.Clamp(s2, -MaxVelocity1, MaxVelocity1);
        Theta2Dot = Math.Clamp(s3, -MaxVelocity2, MaxVelocity2);
        Steps++;

        terminated = TipHeight > 1.0;
        truncated = !terminated && Steps >= MaxSteps;
        return terminated ? 0f : -1f;
    }

    /// <summary>
    /// The equations of motion (Gymnasium's <c>_dsdt</c>, the book's version): with
    /// d₁ = m₁l_c1² + m₂(l₁² + l_c2² + 2l₁l_c2 cos θ₂) + I₁ + I₂, d₂ = m₂(l_c2² + l₁l_c2 cos θ₂) + I₂,
    /// φ₂ = m₂l_c2 g cos(θ₁ + θ₂ − π/2),
    /// φ₁ = −m₂l₁l_c2 θ̇₂² sin θ₂ − 2m₂l₁l_c2 θ̇₂θ̇₁ sin θ₂ + (m₁l_c1 + m₂l₁) g cos(θ₁ − π/2) + φ₂:
    /// θ̈₂ = (τ + d₂/d₁ φ₁ − m₂l₁l_c2 θ̇₁² sin θ₂ − φ₂) / (m₂l_c2² + I₂ − d₂²/d₁), θ̈₁ = −(d₂θ̈₂ + φ₁)/d₁.
    /// </summary>
    public static void Derivatives(double theta1, double theta2, double dtheta1, double dtheta2, double torque,
        out double dTheta1, out double dTheta2, out double ddTheta1, out double ddTheta2)
    {
        const double m1 = LinkMass1, m2 = LinkMass2, l1 = LinkLength1, lc1 = LinkCenterOfMass1, lc2 = LinkCenterOfMass2;
        const double i1 = LinkMomentOfInertia, i2 = LinkMomentOfInertia, g = Gravity;
        double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.Cos(theta2)) + i1 + i2;
        double d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.Cos(theta2)) + i2;
        double phi2 = m2 * lc2 * g * Math.Cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * Math.Sin(theta2)
                      - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.Sin(theta2)
                      + (m1 * lc1 + m2 * l1) * g * Math.Cos(theta1 - Math.PI / 2) + phi2;
        ddTheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * Math.Sin(theta2) - phi2)
                   / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
        ddTheta1 = -(d2 * ddTheta2 + phi1) / d1;
        dTheta1 = dtheta1;
        dTheta2 = dtheta2;
    }

    /// <summary>Gymnasium's <c>wrap(x, −π, π)</c>: adds or subtracts 2π until the angle is in [−π, π].</summary>
    public static double Wrap(double angle)
    {
        const double diff = 2 * Math.PI;
        while (angle > Math.PI) angle -= diff;
        while (angle < -Math.PI) angle += diff;
        return angle;
    }
}
