using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

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
    /// Reads and writes the dropout generator state of a network: through <see cref="IRandomStateNetwork"/> when the
    /// network implements it, else through the generated class's private <c>_random</c> field (generated networks with
    /// Dropout have one; the generator does not expose it yet).
    /// </summary>
    internal static class NetworkRandom
    {
        private const string GeneratedField = "_random";

        public static bool TryGet(INetwork network, out ulong state)
        {
            if (network is IRandomStateNetwork explicitState)
            {
                state = explicitState.RandomState;
                return true;
            }
            if (Field(network) is { } field)
            {
                state = (ulong)field.GetValue(network)!;
                return true;
            }
            state = 0;
            return false;
        }

        /// <summary>Sets the state; returns false when the network has no generator this can reach.</summary>
        public static bool TrySet(INetwork network, ulong state)
        {
            if (network is IRandomStateNetwork explicitState)
            {
                explicitState.RandomState = state;
                return true;
            }
            if (Field(network) is not { } field)
                return false;
            field.SetValue(network, state);
            return true;
        }

        public static bool Has(INetwork network) => network is IRandomStateNetwork || Field(network) is not null;

    #if NET8_0_OR_GREATER
        [UnconditionalSuppressMessage("Trimming", "IL2075",
            Justification = "The field is used by the generated code, so it is kept; when trimming or AOT removes its metadata the lookup finds nothing and checkpoints go without the dropout state, as documented.")]
    #endif
        private static FieldInfo? Field(INetwork network)
        {
            FieldInfo? field = network.GetType().GetField(GeneratedField, BindingFlags.Instance | BindingFlags.NonPublic);
            return field is not null && field.FieldType == typeof(ulong) && !field.IsInitOnly ? field : null;
        }
    }
}
