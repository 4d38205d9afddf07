using System;
using StaticNet.Optimizers;

namespace GameAgent;

/// <summary>Hyperparameters of <see cref="A2cAgent"/>; <see cref="Ppo"/> gives PPO's.</summary>
public sealed record A2cOptions
{
    /// <summary>Copies of the game played side by side; every frame steps all of them after one batch <c>ForwardBatch</c>.</summary>
    public int Environments { get; init; } = 16;
    /// <summary>Frames per rollout: an update every this many frames, on Environments × RolloutSteps transitions.</summary>
    public int RolloutSteps { get; init; } = 16;
    public float Gamma { get; init; } = 0.99f;
    /// <summary>GAE's λ (1: n-step returns over the rollout; 0: one-step TD errors).</summary>
    public float Lambda { get; init; } = 0.95f;
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Adam's global gradient-norm clip.</summary>
    public float MaxGradientNorm { get; init; } = 0.5f;
    public float ValueCoefficient { get; init; } = 0.5f;
    public float EntropyCoefficient { get; init; } = 0.01f;
    /// <summary>Advantages are shifted and scaled to mean 0 and standard deviation 1 over each update's batch.</summary>
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>Passes over each rollout (1 for A2C).</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Mini-batches per pass (1 for A2C: the whole rollout in one gradient step).</summary>
    public int MiniBatches { get; init; } = 1;
    /// <summary>PPO's clip range ε; 0 for A2C's plain policy gradient.</summary>
    public float ClipRange { get; init; }
    /// <summary>
    /// Rewards are multiplied by this before they reach the returns and the value head (not the reported returns), so
    /// that the value stays of order one and its gradient does not swamp the policy's in the shared trunk.
    /// </summary>
    public float RewardScale { get; init; } = 0.1f;
    /// <summary>The policy head's initial weights are scaled by this (a near-uniform first policy, as orthogonal init with gain 0.01 gives).</summary>
    public float PolicyInitScale { get; init; } = 0.01f;

    /// <summary>PPO (Schulman et al. 2017) on the same trunk and heads: 4 passes of 4 mini-batches, clip 0.2, over longer rollouts.</summary>
    public static A2cOptions Ppo => new() { RolloutSteps = 64, Epochs = 4, MiniBatches = 4, ClipRange = 0.2f, LearningRate = 1e-3f, EntropyCoefficient = 0.0f };

    /// <summary>The agent's name in logs: "A2C" or "PPO".</summary>
    public string Name => ClipRange > 0 ? "PPO" : "A2C";
}

/// <summary>
/// An advantage actor-critic (Mnih et al. 2016, the synchronous A2C variant) playing <see cref="A2cOptions.Environments"/>
/// copies of a game at once: each <see cref="Frame"/> runs one <c>ForwardBatch</c> on every copy's observation (the
/// policy's logits and the value in one output), samples each copy's action from the softmax, and steps every copy.
/// After <see cref="A2cOptions.RolloutSteps"/> frames it bootstraps from the value of the states reached, computes
/// generalized advantage estimates (Schulman et al. 2016), and takes a gradient step: <c>ForwardTraining</c> on the
/// rollout, <see cref="A2cLoss"/> for ∂L/∂output, <c>Backward</c>, <c>ApplyGradients</c> with Adam and gradient clipping.
/// With <see cref="A2cOptions.ClipRange"/> &gt; 0 the same loop is PPO. Every buffer is allocated in the constructor;
/// a frame allocates nothing once the network, Adam and the runtime have warmed up.
/// </summary>
public sealed class A2cAgent
{
    private readonly A2cOptions _options;
    private readonly IControlTask[] _games;
    private readonly IActorCriticNetwork _network;
    private readonly Adam _adam;
    private readonly float[] _scale;
    private readonly int _s, _a, _o, _n, _t;
    private Rng _rng;

    private readonly float[] _observations, _outputs, _raw, _single, _singleOutput, _episodeReturns;
    // The rollout, time-major: transition (t, e) is row t·N + e.
    private readonly float[] _states, _rewards, _notDone, _values, _logProbabilities, _advantages, _returns;
    private readonly int[] _actions;
    // Mini-batch scratch.
    private readonly int[] _order, _batchActions;
    private readonly float[] _batchStates, _batchAdvantages, _batchReturns, _batchLogProbabilities, _batchOutputs, _batchGradients;
    private int _step;

    private readonly float[] _recentReturns = new float[AverageWindow];
    private double _recentSum;

    /// <summary>Episodes in the moving average.</summary>
    public const int AverageWindow = 100;

    /// <param name="games">The game copies, one per environment, each seeded differently.</param>
    /// <param name="network">The actor-critic; its output is the games' ActionCount logits, then the value.</param>
    /// <param name="observationScale">Each observation variable is divided by this before it reaches the network.</param>
    public A2cAgent(A2cOptions options, IControlTask[] games, IActorCriticNetwork network, ReadOnlySpan<float> observationScale, int seed)
    {
        _options = options;
        _games = games;
        _network = network;
        _n = games.Length;
        if (_n != options.Environments)
            throw new ArgumentException($"Expected {options.Environments} games (A2cOptions.Environments); found {games.Length}.", nameof(games));
        _s = games[0].ObservationSize;
        _a = games[0].ActionCount;
        _o = _a + 1;
        _t = options.RolloutSteps;
        int rows = _n * _t;
        if (rows % options.MiniBatches != 0)
            throw new ArgumentException($"Expected the rollout's {rows} transitions to split into {options.MiniBatches} equal mini-batches.", nameof(options));
        if (observationScale.Length != _s)
            throw new ArgumentException($"Expected {_s} observation scales; found {observationScale.Length}.", nameof(observationScale));
        _scale = observationScale.ToArray();
        _rng = new Rng(seed);
        _adam = new Adam(options.LearningRate) { MaxGradientNorm = options.MaxGradientNorm };

        _observations = new float[_n * _s];
        _outputs = new float[_n * _o];
        _raw = new float[_s];
        _single = new float[_s];
        _singleOutput = new float[_o];
        _episodeReturns = new float[_n];
        _states = new float[rows * _s];
        _rewards = new float[rows];
        _notDone = new float[rows];
        _values = new float[rows];
        _logProbabilities = new float[rows];
        _advantages = new float[rows];
        _returns = new float[rows];
        _actions = new int[rows];
        int batch = rows / options.MiniBatches;
        _order = new int[rows];
        for (int i = 0; i < rows; i++) _order[i] = i;
        _batchActions = new int[batch];
        _batchStates = new float[batch * _s];
        _batchAdvantages = new float[batch];
        _batchReturns = new float[batch];
        _batchLogProbabilities = new float[batch];
        _batchOutputs = new float[batch * _o];
        _batchGradients = new float[batch * _o];

        for (int e = 0; e < _n; e++)
        {
            games[e].Reset();
            ObserveInto(games[e], _observations.AsSpan(e * _s, _s));
        }
    }

    public IActorCriticNetwork Network => _network;
    public A2cOptions Options => _options;
    /// <summary>Frames played: each steps every game copy once.</summary>
    public long Frames { get; private set; }
    /// <summary>Game steps: Frames × Environments.</summary>
    public long Steps => Frames * _n;
    public long Updates { get; private set; }
    public int Episodes { get; private set; }
    public float LastReturn { get; private set; }
    public ActorCriticLoss LastLoss { get; private set; }

    /// <summary>The mean return of the last 100 episodes (of all of them while fewer than 100 have ended).</summary>
    public float AverageReturn => Episodes == 0 ? float.NaN : (float)(_recentSum / Math.Min(Episodes, AverageWindow));

    /// <summary>
    /// Plays one frame (one step of every game copy) and, at the end of a rollout, learns from it. Returns the number of
    /// episodes that ended.
    /// </summary>
    public int Frame()
    {
        int n = _n, s = _s, a = _a, o = _o, ended = 0;
        _network.ForwardBatch(_observations, _outputs);
        for (int e = 0; e < n; e++)
        {
            int row = _step * n + e;
            ReadOnlySpan<float> output = _outputs.AsSpan(e * o, o);
            int action = Sample(output[..a], out float logProbability);
            _observations.AsSpan(e * s, s).CopyTo(_states.AsSpan(row * s, s));
            _actions[row] = action;
            _values[row] = output[a];
            _logProbabilities[row] = logProbability;

            IControlTask game = _games[e];
            float reward = game.Step(action, out bool terminated, out bool truncated);
            _episodeReturns[e] += reward;
            if (truncated)
            {
                // Cut off by the time limit, not failed: the return goes on past the cut, so bootstrap from the value of
                // the state reached (folded into the reward, since the next row of this copy starts a new episode).
                ObserveInto(game, _single);
                _network.Forward(_single, _singleOutput);
                reward += _options.Gamma * _singleOutput[a] / _options.RewardScale;
            }
            _rewards[row] = reward * _options.RewardScale;
            _notDone[row] = terminated || truncated ? 0f : 1f;
            if (terminated || truncated)
            {
                RecordEpisode(_episodeReturns[e]);
                _episodeReturns[e] = 0f;
                game.Reset();
                ended++;
            }
            ObserveInto(game, _observations.AsSpan(e * s, s));
        }

        Frames++;
        if (++_step == _t)
        {
            Update();
            _step = 0;
        }
        return ended;
    }

    /// <summary>The policy's most likely action for one raw observation (evaluation).</summary>
    public int Greedy(ReadOnlySpan<float> observation)
    {
        for (int j = 0; j < _s; j++) _single[j] = observation[j] / _scale[j];
        _network.Forward(_single, _singleOutput);
        int best = 0;
        for (int j = 1; j < _a; j++) if (_singleOutput[j] > _singleOutput[best]) best = j;
        return best;
    }

    private void ObserveInto(IControlTask game, Span<float> destination)
    {
        game.Observe(_raw);
        for (int j = 0; j < _s; j++) destination[j] = _raw[j] / _scale[j];
    }

    private int Sample(ReadOnlySpan<float> logits, out float logProbability)
    {
        float max = logits[0];
        for (int j = 1; j < logits.Length; j++) max = Math.Max(max, logits[j]);
        double sum = 0;
        for (int j = 0; j < logits.Length; j++) sum += Math.Exp(logits[j] - max);
        double u = _rng.NextDouble() * sum, cumulative = 0;
        int action = logits.Length - 1;
        for (int j = 0; j < logits.Length; j++)
        {
            cumulative += Math.Exp(logits[j] - max);
            if (u < cumulative) { action = j; break; }
        }
        logProbability = (float)(logits[action] - max - Math.Log(sum));
        return action;
    }

    private void RecordEpisode(float episodeReturn)
    {
        int slot = Episodes % AverageWindow;
        _recentSum += episodeReturn - _recentReturns[slot];
        _recentReturns[slot] = episodeReturn;
        LastReturn = episodeReturn;
        Episodes++;
    }

    private void Update()
    {
        int n = _n, s = _s, o = _o, rows = n * _t;
        float gamma = _options.Gamma, gl = gamma * _options.Lambda;

        // V(s_T) of the states the rollout reached, then GAE backwards through each copy's rollout.
        _network.ForwardBatch(_observations, _outputs);
        for (int e = 0; e < n; e++)
        {
            float nextValue = _outputs[e * o + _a], gae = 0f;
            for (int t = _t - 1; t >= 0; t--)
            {
                int row = t * n + e;
                float delta = _rewards[row] + gamma * _notDone[row] * nextValue - _values[row];
                gae = delta + gl * _notDone[row] * gae;
                _advantages[row] = gae;
                _returns[row] = gae + _values[row];
                nextValue = _values[row];
            }
        }
        if (_options.NormalizeAdvantages)
        {
            double mean = 0, square = 0;
            for (int i = 0; i < rows; i++) mean += _advantages[i];
            mean /= rows;
            for (int i = 0; i < rows; i++) square += (_advantages[i] - mean) * (_advantages[i] - mean);
            float inverse = (float)(1.0 / (Math.Sqrt(square / rows) + 1e-8));
            for (int i = 0; i < rows; i++) _advantages[i] = (float)((_advantages[i] - mean) * inverse);
        }

        bool ppo = _options.ClipRange > 0;
        int batch = rows / _options.MiniBatches;
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            if (_options.MiniBatches > 1) Shuffle(_order);
            for (int start = 0; start < rows; start += batch)
            {
                for (int k = 0; k < batch; k++)
                {
                    int i = _order[start + k];
                    _states.AsSpan(i * s, s).CopyTo(_batchStates.AsSpan(k * s, s));
                    _batchActions[k] = _actions[i];
                    _batchAdvantages[k] = _advantages[i];
                    _batchReturns[k] = _returns[i];
                    _batchLogProbabilities[k] = _logProbabilities[i];
                }
                _network.ForwardTraining(_batchStates, _batchOutputs);
                LastLoss = A2cLoss.Compute(_batchOutputs, _a, _batchActions, _batchAdvantages, _batchReturns,
                    ppo ? _batchLogProbabilities : default, _options.ClipRange, _options.ValueCoefficient, _options.EntropyCoefficient,
                    _batchGradients);
                _network.Backward(_batchGradients);
                _network.ApplyGradients(_adam);
            }
        }
        Updates++;
    }

    private void Shuffle(int[] order)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = _rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
