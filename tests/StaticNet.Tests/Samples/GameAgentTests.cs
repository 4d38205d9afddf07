using System;
using GameAgent;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>The GameAgent sample's frame loop (observe, act, store, learn) allocates nothing and is reproducible.</summary>
public class GameAgentTests
{
    private static DqnOptions SmallOptions => new() { ReplayCapacity = 5_000, LearningStarts = 200, TargetSyncEvery = 100 };

    [Fact]
    public void FrameLoopAllocatesNothingOnceWarm()
    {
        var training = new CartPoleTraining(SmallOptions, seed: 1);
        // Warm-up, as the sample's: the first step allocates scratch and Adam's moments, and the runtime may allocate
        // once or twice on this thread while it tiers up the hot methods during the first few dozen steps.
        while (training.Agent.GradientSteps < 1_000) training.Frame();

        // As the library's allocation tests do: the quietest of a few windows, since the tiered JIT replacing a
        // method mid-run can (rarely) allocate on this thread once; an allocating frame would show in every window.
        long fewest = long.MaxValue;
        for (int window = 0; window < 3 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3_000; i++) training.Frame();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
        Assert.True(training.Episodes > 0, "the windows should have crossed episode boundaries (resets)");
        Assert.True(training.Agent.GradientSteps >= 4_000);
    }

    [Fact]
    public void TrainingIsReproducibleForASeed()
    {
        float[] Run()
        {
            var training = new CartPoleTraining(SmallOptions, seed: 5);
            for (int i = 0; i < 2_000; i++) training.Frame();
            return [training.Episodes, training.AverageReturn, training.Agent.LastLoss, training.Agent.Online.Parameters[123]];
        }
        Assert.Equal(Run(), Run());
    }
}
