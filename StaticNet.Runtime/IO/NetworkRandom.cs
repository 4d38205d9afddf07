using System;

namespace StaticNet
{
    /// <summary>
    /// A network whose training draws random numbers (dropout masks) and exposes its generator's state, so that a
    /// checkpoint can save it and a resumed run draws the same masks as an uninterrupted one.
    /// </summary>
    public interface IRandomStateNetwork
    {
        /// <summary>The state of the network's training random generator (SplitMix64 for generated networks).</summary>
        ulong RandomState { get; set; }
    }
}

namespace StaticNet.IO
{
    /// <summary>
    /// Reads and writes the dropout generator state of a network through <see cref="IRandomStateNetwork"/> (which every
    /// generated network with Dropout implements); a network without it has no state to save.
    /// </summary>
    internal static class NetworkRandom
    {
        public static bool TryGet(INetwork network, out ulong state)
        {
            if (network is IRandomStateNetwork explicitState)
            {
                state = explicitState.RandomState;
                return true;
            }
            state = 0;
            return false;
        }

        /// <summary>Sets the state; returns false when the network has no generator.</summary>
        public static bool TrySet(INetwork network, ulong state)
        {
            if (network is not IRandomStateNetwork explicitState)
                return false;
            explicitState.RandomState = state;
            return true;
        }

        public static bool Has(INetwork network) => network is IRandomStateNetwork;
    }
}
