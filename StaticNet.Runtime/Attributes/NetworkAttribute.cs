using System;

namespace StaticNet;

/// <summary>
/// Marks a <c>partial class</c> as a StaticNet network and sets its training loss. The layers are the
/// class's <see cref="InputAttribute"/> and layer attributes, in source order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The loss that <c>TrainStep</c> minimises; <see cref="StaticNet.Loss.None"/> makes the network inference-only.</summary>
    public Loss Loss { get; set; } = Loss.None;
}
