using System;
using System.Linq;
using StaticNet;

namespace GameAgent;

/// <summary>The two games the actor-critic learns, each with its network, observation scales and "solved" bar.</summary>
public enum ControlTaskKind
{
    /// <summary>CartPole-v1 (<see cref="CartPole"/>).</summary>
    CartPole,
    /// <summary>Acrobot-v1 (<see cref="Acrobot"/>).</summary>
    Acrobot,
}

/// <summary>Builds an <see cref="A2cAgent"/> for a <see cref="ControlTaskKind"/>, seeded.</summary>
public static class ActorCriticTasks
{
    /// <summary>
    /// Gymnasium's reward thresholds: CartPole-v1 475 (of 500), Acrobot-v1 −100, as a mean over 100 consecutive
    /// (training) episodes.
    /// </summary>
    public static float SolvedAverage(ControlTaskKind task) => task switch
    {
        ControlTaskKind.CartPole => 475f,
        ControlTaskKind.Acrobot => -100f,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "Expected CartPole or Acrobot."),
    };

    /// <summary>Parses "cartpole" or "acrobot" (any case).</summary>
    public static ControlTaskKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "cartpole" => ControlTaskKind.CartPole,
        "acrobot" => ControlTaskKind.Acrobot,
        _ => throw new ArgumentException($"Unknown task '{name}'; expected cartpole or acrobot."),
    };

    /// <summary>
    /// The agent for <paramref name="task"/>: <see cref="A2cOptions.Environments"/> copies of the game seeded
    /// 1000·seed + copy, the network seeded <paramref name="seed"/> (its policy head's weights scaled by
    /// <see cref="A2cOptions.PolicyInitScale"/>), the agent's sampling seeded seed + 1.
    /// </summary>
    public static A2cAgent Create(ControlTaskKind task, A2cOptions options, int seed)
    {
        var games = new IControlTask[options.Environments];
        for (int e = 0; e < games.Length; e++) games[e] = CreateGame(task, unchecked(seed * 1000 + e));
        IActorCriticNetwork network = task == ControlTaskKind.CartPole ? new CartPoleActorCritic(seed) : new AcrobotActorCritic(seed);
        ScalePolicyHead(network, options.PolicyInitScale);
        // CartPole: the track's half-width, a typical speed, the failure angle, a typical angular speed. Acrobot: cosines
        // and sines as they are, the angular velocities by their limits 4π and 9π.
        float[] scale = task == ControlTaskKind.CartPole
            ? [2.4f, 3f, 0.21f, 3.5f]
            : [1f, 1f, 1f, 1f, (float)Acrobot.MaxVelocity1, (float)Acrobot.MaxVelocity2];
        return new A2cAgent(options, games, network, scale, seed + 1);
    }

    /// <summary>A new game of <paramref name="task"/>, seeded.</summary>
    public static IControlTask CreateGame(ControlTaskKind task, int seed) =>
        task == ControlTaskKind.CartPole ? new CartPole(seed) : new Acrobot(seed);

    /// <summary>
    /// The mean return of <paramref name="episodes"/> episodes played by the policy's most likely action (no sampling,
    /// no learning) on a game seeded apart from the training games.
    /// </summary>
    public static float EvaluateGreedy(A2cAgent agent, ControlTaskKind task, int seed, int episodes = 100)
    {
        IControlTask game = CreateGame(task, unchecked(-1 - seed));
        Span<float> observation = stackalloc float[game.ObservationSize];
        double total = 0;
        for (int episode = 0; episode < episodes; episode++)
        {
            game.Reset();
            bool terminated = false, truncated = false;
            while (!terminated && !truncated)
            {
                game.Observe(observation);
                total += game.Step(agent.Greedy(observation), out terminated, out truncated);
            }
        }
        return (float)(total / episodes);
    }

    /// <summary>A one-line description of the network, for logs.</summary>
    public static string Describe(ControlTaskKind task) => task == ControlTaskKind.CartPole
        ? $"{CartPoleActorCritic.InputSize} → 64 tanh → 64 tanh (trunk) → policy {CartPoleActorCritic.OutputSize - 1} logits + value 1 ({CartPoleActorCritic.ParameterCount:N0} parameters)"
        : $"{AcrobotActorCritic.InputSize} → 64 tanh → 64 tanh (trunk) → policy {AcrobotActorCritic.OutputSize - 1} logits + value 1 ({AcrobotActorCritic.ParameterCount:N0} parameters)";

    private static void ScalePolicyHead(IActorCriticNetwork network, float factor)
    {
        if (factor == 1f) return;
        ParameterTensor weight = network.ParameterTensors.First(t => t.Name == "policy.weight");
        float[] values = weight.Export(network.Parameters);
        for (int i = 0; i < values.Length; i++) values[i] *= factor;
        weight.ImportFrom(values, network.Parameters);
    }
}
