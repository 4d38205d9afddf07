using System;

namespace GameAgent;

/// <summary>The parts of an actor-critic loss, each averaged over the batch.</summary>
/// <param name="Policy">−mean(Â · log π(a|s)) (A2C) or PPO's clipped surrogate −mean(min(rÂ, clip(r, 1 ± ε)Â)).</param>
/// <param name="Value">mean(½ (V(s) − R)²).</param>
/// <param name="Entropy">mean(H(π(·|s))), in nats.</param>
/// <param name="Total">Policy + c_v · Value − β · Entropy: what the gradient descends.</param>
public readonly record struct ActorCriticLoss(double Policy, double Value, double Entropy, double Total);

/// <summary>
/// The loss of an advantage actor-critic on a network whose output per sample is the policy's A logits followed by the
/// value, and its gradient with respect to that output: what the caller hands to <c>Backward</c>. For a batch of B
/// samples with actions a, advantages Â and returns R,
/// L = (1/B) Σ [ −Â log π(a|s) + c_v ½ (V(s) − R)² − β H(π(·|s)) ], so that, with π = softmax(z),
/// ∂L/∂z_j = (1/B) [ Â (π_j − 1{j = a}) + β π_j (log π_j + H) ] and ∂L/∂V = (1/B) c_v (V − R).
/// With old log-probabilities and a clip range ε &gt; 0 the policy term is PPO's clipped surrogate instead: with
/// r = π(a|s)/π_old(a|s), −min(rÂ, clip(r, 1−ε, 1+ε)Â), whose gradient is −rÂ ∂log π(a|s) where the unclipped term is
/// the smaller and 0 elsewhere. Computed in double precision; allocates nothing.
/// </summary>
public static class A2cLoss
{
    /// <summary>
    /// Computes the loss of <paramref name="outputs"/> (B × (A + 1) floats) and writes ∂L/∂outputs into
    /// <paramref name="outputGradients"/> (the same shape).
    /// </summary>
    /// <param name="actionCount">A, the number of logits before each sample's value.</param>
    /// <param name="oldLogProbabilities">PPO: log π_old(a|s) of each sample when it was acted on; empty for A2C.</param>
    /// <param name="clipRange">PPO's ε; ignored (and may be 0) when <paramref name="oldLogProbabilities"/> is empty.</param>
    public static ActorCriticLoss Compute(ReadOnlySpan<float> outputs, int actionCount, ReadOnlySpan<int> actions,
        ReadOnlySpan<float> advantages, ReadOnlySpan<float> returns, ReadOnlySpan<float> oldLogProbabilities, float clipRange,
        float valueCoefficient, float entropyCoefficient, Span<float> outputGradients)
    {
        int width = actionCount + 1, batch = actions.Length;
        if (actionCount < 1 || batch == 0 || outputs.Length != batch * width || outputGradients.Length != outputs.Length ||
            advantages.Length != batch || returns.Length != batch || !(oldLogProbabilities.IsEmpty || oldLogProbabilities.Length == batch))
            throw new ArgumentException($"Expected {batch} samples of {width} outputs (the logits of {actionCount} actions and the value) with as many " +
                $"actions, advantages, returns (and old log-probabilities, or none); found {outputs.Length} outputs, {outputGradients.Length} " +
                $"gradients, {advantages.Length} advantages, {returns.Length} returns, {oldLogProbabilities.Length} old log-probabilities.");

        bool ppo = !oldLogProbabilities.IsEmpty;
        double scale = 1.0 / batch, policySum = 0, valueSum = 0, entropySum = 0;
        Span<double> logp = stackalloc double[actionCount];
        for (int i = 0; i < batch; i++)
        {
            ReadOnlySpan<float> z = outputs.Slice(i * width, actionCount);
            Span<float> dz = outputGradients.Slice(i * width, width);
            int a = actions[i];
            if ((uint)a >= (uint)actionCount)
                throw new ArgumentOutOfRangeException(nameof(actions), a, $"Expected actions in [0, {actionCount}); found {a} at sample {i}.");

            // log-softmax, stably.
            double max = z[0];
            for (int j = 1; j < actionCount; j++) max = Math.Max(max, z[j]);
            double sum = 0;
            for (int j = 0; j < actionCount; j++) sum += Math.Exp(z[j] - max);
            double logSum = max + Math.Log(sum), entropy = 0;
            for (int j = 0; j < actionCount; j++)
            {
                logp[j] = z[j] - logSum;
                entropy -= Math.Exp(logp[j]) * logp[j];
            }

            double advantage = advantages[i], weight; // weight: −∂(policy term)/∂log π(a|s)
            if (ppo)
            {
                double ratio = Math.Exp(logp[a] - oldLogProbabilities[i]);
                double clipped = Math.Clamp(ratio, 1 - clipRange, 1 + clipRange);
                double unclippedTerm = ratio * advantage, clippedTerm = clipped * advantage;
                policySum -= Math.Min(unclippedTerm, clippedTerm);
                weight = unclippedTerm <= clippedTerm ? ratio * advantage : 0;
            }
            else
            {
                policySum -= advantage * logp[a];
                weight = advantage;
            }

            for (int j = 0; j < actionCount; j++)
            {
                double p = Math.Exp(logp[j]);
                double g = weight * (p - (j == a ? 1 : 0)) + entropyCoefficient * p * (logp[j] + entropy);
                dz[j] = (float)(g * scale);
            }

            double error = outputs[i * width + actionCount] - returns[i];
            valueSum += 0.5 * error * error;
            dz[actionCount] = (float)(valueCoefficient * error * scale);
            entropySum += entropy;
        }

        double policy = policySum * scale, value = valueSum * scale, meanEntropy = entropySum * scale;
        return new ActorCriticLoss(policy, value, meanEntropy, policy + valueCoefficient * value - entropyCoefficient * meanEntropy);
    }
}
