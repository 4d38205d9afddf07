using System;

namespace GameAgent;

/// <summary>
/// A control task with a small observation vector and a few discrete actions, stepped by the agent: CartPole,
/// Acrobot. Implementations are seeded and allocate nothing in <see cref="Reset"/>, <see cref="Observe"/> and
/// <see cref="Step"/>.
/// </summary>
public interface IControlTask
{
    /// <summary>Floats in one observation.</summary>
    int ObservationSize { get; }

    /// <summary>The number of discrete actions, 0 to <c>ActionCount − 1</c>.</summary>
    int ActionCount { get; }

    /// <summary>Starts a new episode from a random initial state.</summary>
    void Reset();

    /// <summary>Writes the current observation into <paramref name="observation"/> (<see cref="ObservationSize"/> floats).</summary>
    void Observe(Span<float> observation);

    /// <summary>
    /// Applies <paramref name="action"/> for one step and returns the reward. <paramref name="terminated"/>: the episode
    /// ended in the task's own terms (a failure or the goal; nothing to bootstrap from); <paramref name="truncated"/>:
    /// it was cut off by the step limit (a learner should still bootstrap from the state reached).
    /// </summary>
    float Step(int action, out bool terminated, out bool truncated);
}
