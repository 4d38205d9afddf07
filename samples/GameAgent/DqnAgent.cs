using System;
using StaticNet.Optimizers;

namespace GameAgent;

/// <summary>Hyperparameters of <see cref="DqnAgent"/>.</summary>
public sealed record DqnOptions
{
    public int ReplayCapacity { get; init; } = 50_000;
    public int BatchSize { get; init; } = 64;
    /// <summary>Frames of experience gathered (acting at random) before the first gradient step.</summary>
    public int LearningStarts { get; init; } = 1_000;
    /// <summary>Frames between gradient steps.</summary>
    public int TrainEvery { get; init; } = 1;
    /// <summary>Frames between copies of the online network's parameters into the target network.</summary>
    public int TargetSyncEvery { get; init; } = 1_000;
    public float Gamma { get; init; } = 0.99f;
    public float LearningRate { get; init; } = 5e-4f;
    public float MaxGradientNorm { get; init; } = 10f;
    public float EpsilonStart { get; init; } = 1f;
    public float EpsilonEnd { get; init; } = 0.02f;
    /// <summary>Frames over which ε falls linearly from <see cref="EpsilonStart"/> to <see cref="EpsilonEnd"/>.</summary>
    public int EpsilonDecayFrames { get; init; } = 10_000;
    /// <summary>The TD error is clipped to ±this before it is turned into a target: the gradient of the Huber loss.</summary>
    public float HuberDelta { get; init; } = 1f;
    /// <summary>Double DQN: the online network picks the next action, the target network values it.</summary>
    public bool DoubleDqn { get; init; } = true;
}

/// <summary>
/// Deep Q-learning (Mnih et al. 2015) on a <see cref="QNetwork"/>: a replay buffer preallocated as flat float arrays,
/// ε-greedy acting with linear decay, a target network refreshed by copying <c>Parameters</c>, Adam with gradient
/// clipping, and the Huber loss. Every buffer is allocated in the constructor; <see cref="Act"/>,
/// <see cref="Store"/> and <see cref="Learn"/> allocate nothing once the networks and Adam have run once.
/// </summary>
public sealed class DqnAgent
{
    private const int S = QNetwork.InputSize, A = QNetwork.OutputSize;

    /// <summary>Observations are divided by these before they reach the network (the track's half-width, a typical
    /// speed, the failure angle, a typical angular speed), so that every input is of order one.</summary>
    private static ReadOnlySpan<float> Scale => [2.4f, 3f, 0.21f, 3.5f];

    private readonly DqnOptions _options;
    private readonly QNetwork _online, _target;
    private readonly Adam _adam;
    private Rng _rng;

    // Replay buffer, structure of arrays: transition i is states[i·S ..], actions[i], rewards[i], nextStates[i·S ..], done[i].
    private readonly float[] _states, _nextStates, _rewards, _notDone;
    private readonly int[] _actions;
    private int _count, _next;

    // Mini-batch scratch.
    private readonly float[] _batchStates, _batchNextStates, _q, _nextQTarget, _nextQOnline, _targets;
    private readonly int[] _batchIndices;
    private readonly float[] _input = new float[S], _output = new float[A];

    public DqnAgent(DqnOptions options, int seed)
    {
        _options = options;
        _rng = new Rng(seed);
        _online = new QNetwork(seed);
        _target = new QNetwork(seed);
        _online.Parameters.CopyTo(_target.Parameters);
        _adam = new Adam(options.LearningRate) { MaxGradientNorm = options.MaxGradientNorm };

        int n = options.ReplayCapacity, b = options.BatchSize;
        _states = new float[n * S];
        _nextStates = new float[n * S];
        _rewards = new float[n];
        _notDone = new float[n];
        _actions = new int[n];
        _batchStates = new float[b * S];
        _batchNextStates = new float[b * S];
        _q = new float[b * A];
        _nextQTarget = new float[b * A];
        _nextQOnline = new float[b * A];
        _targets = new float[b * A];
        _batchIndices = new int[b];
    }

    public QNetwork Online => _online;
    public long Frames { get; private set; }
    public long GradientSteps { get; private set; }
    public float LastLoss { get; private set; }

    /// <summary>The exploration rate for the next action.</summary>
    public float Epsilon
    {
        get
        {
            float t = Math.Min(1f, (float)Frames / _options.EpsilonDecayFrames);
            return _options.EpsilonStart + t * (_options.EpsilonEnd - _options.EpsilonStart);
        }
    }

    /// <summary>ε-greedy: a random action with probability ε, else the online network's best.</summary>
    public int Act(ReadOnlySpan<float> observation)
    {
        if (_rng.NextDouble() < Epsilon) return _rng.Next(A);
        return Greedy(observation);
    }

    /// <summary>The online network's best action.</summary>
    public int Greedy(ReadOnlySpan<float> observation)
    {
        Normalize(observation, _input);
        _online.Forward(_input, _output);
        return ArgMax(_output);
    }

    /// <summary>Records one transition. <paramref name="terminal"/> is true only for a failure, not for the time limit.</summary>
    public void Store(ReadOnlySpan<float> observation, int action, float reward, ReadOnlySpan<float> nextObservation, bool terminal)
    {
        int i = _next;
        Normalize(observation, _states.AsSpan(i * S, S));
        Normalize(nextObservation, _nextStates.AsSpan(i * S, S));
        _actions[i] = action;
        _rewards[i] = reward;
        _notDone[i] = terminal ? 0f : 1f;
        _next = (i + 1) % _options.ReplayCapacity;
        if (_count < _options.ReplayCapacity) _count++;
        Frames++;
    }

    /// <summary>One gradient step when one is due; the target network's refresh when one is due.</summary>
    public void Learn()
    {
        if (Frames >= _options.LearningStarts && Frames % _options.TrainEvery == 0) TrainBatch();
        if (Frames % _options.TargetSyncEvery == 0) _online.Parameters.CopyTo(_target.Parameters);
    }

    private void TrainBatch()
    {
        int b = _options.BatchSize;
        for (int k = 0; k < b; k++)
        {
            int i = _rng.Next(_count);
            _batchIndices[k] = i;
            _states.AsSpan(i * S, S).CopyTo(_batchStates.AsSpan(k * S, S));
            _nextStates.AsSpan(i * S, S).CopyTo(_batchNextStates.AsSpan(k * S, S));
        }

        _online.ForwardBatch(_batchStates, _q);
        _target.ForwardBatch(_batchNextStates, _nextQTarget);
        if (_options.DoubleDqn) _online.ForwardBatch(_batchNextStates, _nextQOnline);

        // The loss is the mean squared error against targets equal to the current Q-values except for the action
        // taken, whose target is Q(s,a) + clip(y − Q(s,a), ±δ) with y = r + γ·(1 − done)·Q̄(s', a'): the gradient of
        // the squared error there is the gradient of the Huber loss on the TD error, and zero for the other action.
        _q.AsSpan().CopyTo(_targets);
        float delta = _options.HuberDelta;
        for (int k = 0; k < b; k++)
        {
            int i = _batchIndices[k];
            ReadOnlySpan<float> nextTarget = _nextQTarget.AsSpan(k * A, A);
            float next = _options.DoubleDqn ? nextTarget[ArgMax(_nextQOnline.AsSpan(k * A, A))] : Max(nextTarget);
            float y = _rewards[i] + _options.Gamma * _notDone[i] * next;
            int a = _actions[i];
            float q = _q[k * A + a];
            _targets[k * A + a] = q + Math.Clamp(y - q, -delta, delta);
        }

        LastLoss = _online.TrainStep(_batchStates, _targets, _adam);
        GradientSteps++;
    }

    private static void Normalize(ReadOnlySpan<float> observation, Span<float> destination)
    {
        ReadOnlySpan<float> scale = Scale;
        for (int j = 0; j < S; j++) destination[j] = observation[j] / scale[j];
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int j = 1; j < values.Length; j++) if (values[j] > values[best]) best = j;
        return best;
    }

    private static float Max(ReadOnlySpan<float> values) => values[ArgMax(values)];
}
