using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace GameAgent;

/// <summary>
/// The command line of the actor-critic modes (<c>--agent a2c</c> or <c>--agent ppo</c>): trains on CartPole or Acrobot
/// until the task's bar is met, logging the learning curve, then prints a summary line per seed.
/// </summary>
internal static class ActorCriticProgram
{
    /// <summary>Updates before allocations are counted: the first allocate the network's scratch and Adam's moments.</summary>
    private const int WarmUpUpdates = 50;

    public const string Usage =
        "usage: GameAgent --agent a2c|ppo [--task cartpole|acrobot] [--seed N | --seeds A-B] [--max-steps N] [--require X]\n" +
        "                 [--envs N] [--rollout N] [--lr X] [--entropy X] [--gamma X] [--lambda X] [--epochs N] [--minibatches N] [--clip X] [--reward-scale X] [--normalize-advantages 0|1]";

    /// <summary>Runs the actor-critic modes when <paramref name="args"/> asks for one; null for the DQN mode.</summary>
    public static int? TryRun(string[] args)
    {
        int at = Array.IndexOf(args, "--agent");
        if (at < 0 || at + 1 >= args.Length || args[at + 1].Equals("dqn", StringComparison.OrdinalIgnoreCase)) return null;
        string agent = args[at + 1].ToLowerInvariant();
        if (agent is not ("a2c" or "ppo"))
        {
            Console.Error.WriteLine($"Unknown agent '{args[at + 1]}'; expected dqn, a2c or ppo.");
            return 2;
        }

        A2cOptions options = agent == "ppo" ? A2cOptions.Ppo : new A2cOptions();
        ControlTaskKind task = ControlTaskKind.CartPole;
        int firstSeed = 1, lastSeed = 1;
        long maxSteps = -1;
        float? require = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            float Float() => float.Parse(Value(), CultureInfo.InvariantCulture);
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--agent": i++; break;
                case "--task": task = ActorCriticTasks.Parse(Value()); break;
                case "--seed": firstSeed = lastSeed = Int(); break;
                case "--seeds":
                    string[] range = Value().Split('-');
                    firstSeed = int.Parse(range[0], CultureInfo.InvariantCulture);
                    lastSeed = int.Parse(range[^1], CultureInfo.InvariantCulture);
                    break;
                case "--max-steps": maxSteps = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--require": require = Float(); break;
                case "--envs": options = options with { Environments = Int() }; break;
                case "--rollout": options = options with { RolloutSteps = Int() }; break;
                case "--lr": options = options with { LearningRate = Float() }; break;
                case "--entropy": options = options with { EntropyCoefficient = Float() }; break;
                case "--gamma": options = options with { Gamma = Float() }; break;
                case "--lambda": options = options with { Lambda = Float() }; break;
                case "--epochs": options = options with { Epochs = Int() }; break;
                case "--minibatches": options = options with { MiniBatches = Int() }; break;
                case "--reward-scale": options = options with { RewardScale = Float() }; break;
                case "--normalize-advantages": options = options with { NormalizeAdvantages = Int() != 0 }; break;
                case "--clip": options = options with { ClipRange = Float() }; break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}' for --agent {agent}.\n{Usage}");
                    return 2;
            }
        }
        if (maxSteps < 0) maxSteps = task == ControlTaskKind.CartPole ? 1_000_000 : 3_000_000;
        float bar = require ?? ActorCriticTasks.SolvedAverage(task);

        Console.WriteLine(task == ControlTaskKind.CartPole
            ? "CartPole-v1 physics (gravity 9.8, cart 1.0, pole 0.1, half-length 0.5, force 10, τ 0.02, Euler; fails at |x| > 2.4 or |θ| > 12°; cut off at 500 steps)"
            : "Acrobot-v1 physics (book dynamics, links 1 m / 1 kg, RK4 over dt 0.2, torque −1/0/+1, reward −1 per step; goal −cos θ₁ − cos(θ₁+θ₂) > 1; cut off at 500 steps)");
        Console.WriteLine($"Solved: mean return ≥ {bar} over {A2cAgent.AverageWindow} consecutive training episodes");
        Console.WriteLine($"Agent: {options.Name}, {ActorCriticTasks.Describe(task)}; {options.Environments} games side by side, rollouts of " +
                          $"{options.RolloutSteps} frames, GAE γ {options.Gamma} λ {options.Lambda}, Adam {options.LearningRate}, clip norm {options.MaxGradientNorm}, " +
                          $"rewards ×{options.RewardScale}, value ×{options.ValueCoefficient}, entropy ×{options.EntropyCoefficient}" +
                          (options.ClipRange > 0 ? $", {options.Epochs} epochs × {options.MiniBatches} mini-batches, ratio clip {options.ClipRange}" : ""));

        int failures = 0;
        bool verbose = firstSeed == lastSeed;
        for (int seed = firstSeed; seed <= lastSeed; seed++)
        {
            RunResult r = Train(task, options, seed, maxSteps, bar, verbose, out A2cAgent trained);
            if (!r.Solved) failures++;
            float greedy = ActorCriticTasks.EvaluateGreedy(trained, task, seed);
            Console.WriteLine($"seed {seed,3}: {(r.Solved ? "solved" : "NOT solved")} after {r.Episodes:N0} episodes, {r.Steps:N0} steps " +
                              $"({r.Frames:N0} frames × {options.Environments} games, {r.Updates:N0} updates), average {r.Average:F1} (greedy policy afterwards: {greedy:F1} over 100 new episodes), {r.Seconds:F1} s " +
                              $"({r.Steps / r.Seconds:N0} steps/s); after {WarmUpUpdates} warm-up updates: {r.FrameLoopBytes} bytes allocated by the frame loop " +
                              $"over {r.MeasuredFrames:N0} frames, GC collections gen0/1/2 {r.Gen0}/{r.Gen1}/{r.Gen2}");
        }
        return failures == 0 ? 0 : 1;
    }

    private static RunResult Train(ControlTaskKind task, A2cOptions options, int seed, long maxSteps, float bar, bool verbose, out A2cAgent agent)
    {
        agent = ActorCriticTasks.Create(task, options, seed);
        TextWriter output = Console.Out;
        char[] line = new char[256];
        if (verbose) output.WriteLine("  updates      steps  episodes  avg(100)  entropy  steps/s");
        var clock = Stopwatch.StartNew();
        long lastSteps = 0, lastTicks = 0, lastLogged = 0, measuredFrames = 0;
        bool measuring = false, solved = false;
        long frameLoopBytes = 0;
        int gen0 = 0, gen1 = 0, gen2 = 0;
        long logEvery = Math.Max(1, 20_000 / (options.Environments * options.RolloutSteps)); // updates between log lines

        while (agent.Steps < maxSteps)
        {
            if (!measuring && agent.Updates >= WarmUpUpdates)
            {
                measuring = true;
                (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            int ended = agent.Frame();
            if (measuring)
            {
                frameLoopBytes += GC.GetAllocatedBytesForCurrentThread() - before;
                measuredFrames++;
            }
            if (ended > 0 && agent.Episodes >= A2cAgent.AverageWindow && agent.AverageReturn >= bar) solved = true;
            if (verbose && (solved || agent.Updates - lastLogged >= logEvery))
            {
                lastLogged = agent.Updates;
                long ticks = clock.ElapsedTicks;
                double rate = (agent.Steps - lastSteps) / ((ticks - lastTicks) / (double)Stopwatch.Frequency);
                (lastSteps, lastTicks) = (agent.Steps, ticks);
                line.AsSpan().TryWrite(CultureInfo.InvariantCulture,
                    $"{agent.Updates,9}  {agent.Steps,9}  {agent.Episodes,8}  {agent.AverageReturn,8:F1}  {agent.LastLoss.Entropy,7:F3}  {rate,7:F0}\n",
                    out int written);
                output.Write(line, 0, written);
            }
            if (solved) break;
        }

        return new RunResult(solved, agent.Episodes, agent.Steps, agent.Frames, agent.Updates, agent.AverageReturn, clock.Elapsed.TotalSeconds,
            frameLoopBytes, measuredFrames, GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    }

    private readonly record struct RunResult(bool Solved, int Episodes, long Steps, long Frames, long Updates, float Average, double Seconds,
        long FrameLoopBytes, long MeasuredFrames, int Gen0, int Gen1, int Gen2);
}
