// Compiled only for netstandard2.1 (see StaticNet.Runtime.csproj): the few BCL members the net8.0 sources use that
// netstandard2.1 (Unity's profile) lacks, so that those sources compile unchanged on both targets.
using System;

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets the compiler emit <c>init</c> accessors (records, record structs) on netstandard2.1.</summary>
    internal static class IsExternalInit { }
}

namespace StaticNet
{
    /// <summary>
    /// Shadows <see cref="System.Runtime.CompilerServices.MethodImplOptions"/> inside the <c>StaticNet</c> namespaces
    /// (a type in an enclosing namespace wins over a <c>using</c> directive), because netstandard2.1's enum has no
    /// <c>AggressiveOptimization</c>. The values are the runtime's; a runtime that does not know a flag ignores it.
    /// </summary>
    internal static class MethodImplOptions
    {
        public const System.Runtime.CompilerServices.MethodImplOptions AggressiveInlining =
            System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining;
        public const System.Runtime.CompilerServices.MethodImplOptions NoInlining =
            System.Runtime.CompilerServices.MethodImplOptions.NoInlining;
        public const System.Runtime.CompilerServices.MethodImplOptions AggressiveOptimization =
            (System.Runtime.CompilerServices.MethodImplOptions)512;
    }
}

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets <c>[CallerArgumentExpression]</c> (used by <c>StaticNet.Throw</c>) work on netstandard2.1.</summary>
    [AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    internal sealed class CallerArgumentExpressionAttribute : Attribute
    {
        public CallerArgumentExpressionAttribute(string parameterName) => ParameterName = parameterName;

        public string ParameterName { get; }
    }
}

namespace StaticNet
{
    internal static class StreamPolyfills
    {
        /// <summary><c>Stream.ReadAtLeast</c> (net7.0+) for netstandard2.1.</summary>
        public static int ReadAtLeast(this System.IO.Stream stream, Span<byte> buffer, int minimumBytes, bool throwOnEndOfStream = true)
        {
            int total = 0;
            while (total < minimumBytes)
            {
                int read = stream.Read(buffer.Slice(total));
                if (read == 0)
                {
                    if (throwOnEndOfStream) throw new System.IO.EndOfStreamException();
                    break;
                }
                total += read;
            }
            return total;
        }
    }
}
