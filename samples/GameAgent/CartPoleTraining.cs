using System;

namespace GameAgent;

/// <summary>
/// The per-frame loop of on-device learning: observe, act, step the game, store the transition, learn. One
/// <see cref="Frame"/> call is one game frame; episodes restart by themselves. Allocates nothing per frame once
/// warm (after the first gradient step).
/// </summary>
public sealed class CartPoleTraining
{
    /// <summary>The v0 criterion: an average return of at least 195 over 100 consecutive episodes.</summary>
    public const float SolvedAverage = 195f;
    public const int AverageWindow = 100;

    private readonly CartPole _game;
    private readonly DqnAgent _agent;
    private readonly float[] _observation = new float[CartPole.ObservationSize];
    private readonly float[] _nextObservation = new float[CartPole.ObservationSize];
    private readonly float[] _recentReturns = new float[AverageWindow];
    private float _episodeReturn;
    private double _recentSum;

    public CartPoleTraining(DqnOptions options, int seed)
    {
        _game = new CartPole(seed);
        _agent = new DqnAgent(options, seed + 1);
        _game.Reset();
        _game.Observe(_observation);
    }

    public DqnAgent Agent => _agent;
    public int Episodes { get; private set; }
    public float LastReturn { get; private set; }

    /// <summary>The mean return of the last 100 episodes (of all of them while fewer than 100 have ended).</summary>
    public float AverageReturn => Episodes == 0 ? 0f : (float)(_recentSum / Math.Min(Episodes, AverageWindow));

    public bool Solved => Episodes >= AverageWindow && AverageReturn >= SolvedAverage;

    /// <summary>Plays one frame and learns from it; returns true when it ended an episode.</summary>
    public bool Frame()
    {
        int action = _agent.Act(_observation);
        float reward = _game.Step(action, out bool terminated, out bool truncated);
        _game.Observe(_nextObservation);
        _agent.Store(_observation, action, reward, _nextObservation, terminated);
        _agent.Learn();
        _episodeReturn += reward;

        if (terminated || truncated)
        {
            int slot = Episodes % AverageWindow;
            _recentSum += _episodeReturn - _recentReturns[slot];
            _recentReturns[slot] = _episodeReturn;
            LastReturn = _episodeReturn;
            Episodes++;
            _episodeReturn = 0f;
            _game.Reset();
            _game.Observe(_observation);
            return true;
        }

        _nextObservation.AsSpan().CopyTo(_observation);
        return false;
    }
}
