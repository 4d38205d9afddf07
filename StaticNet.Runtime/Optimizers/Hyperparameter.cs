using System;

namespace StaticNet.Optimizers;

/// <summary>Validation of optimizer hyperparameters, with messages that say what was expected and what was found.</summary>
internal static class Hyperparameter
{
    /// <summary>A finite number ≥ 0 (momentum, weight decay, epsilon).</summary>
    public static float NonNegative(float value, string name)
    {
        if (!(value >= 0f) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be a finite number ≥ 0; found {value}.");
        return value;
    }

    /// <summary>An exponential decay rate in [0, 1) (Adam's betas).</summary>
    public static float Beta(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} to be in [0, 1); found {value}.");
        return value;
    }

    /// <summary>A hyperparameter as a checkpoint records it: the float's round-trip text in the invariant culture.</summary>
    public static System.Collections.Generic.KeyValuePair<string, string> Entry(string name, float value) =>
        new(name, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A hyperparameter as a checkpoint records it.</summary>
    public static System.Collections.Generic.KeyValuePair<string, string> Entry(string name, string value) => new(name, value);
}
