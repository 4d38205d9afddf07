using System.Text;

namespace StaticNet.Generator.Emit;

/// <summary>Indented C# text: lines, and blocks that open and close braces.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string text = "")
    {
        if (text.Length > 0) _text.Append(' ', 4 * _depth).Append(text);
        _text.Append('\n');
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _depth++;
    }

    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    /// <summary>
    /// The attribute of the hot generated members (inference, training, the layers' passes, streaming steps): compiled
    /// optimised from the first call, like the kernels, not after tiering up (which a process that keeps compiling code
    /// can delay for seconds).
    /// </summary>
    /// <remarks>
    /// Through the class's <c>AggressiveOptimization</c> constant (see <see cref="NetworkEmitter"/>), the value 512:
    /// netstandard2.1, which Unity consumers compile against, has the flag but not its name.
    /// </remarks>
    public const string AggressiveOptimization = "[global::System.Runtime.CompilerServices.MethodImpl(AggressiveOptimization)]";

    /// <summary>Writes <see cref="AggressiveOptimization"/> before the member that follows.</summary>
    public void Hot() => Line(AggressiveOptimization);

    public override string ToString() => _text.ToString();
}

/// <summary>One generated source file.</summary>
/// <param name="HintName">Its hint name (before disambiguation, without <c>.g.cs</c>).</param>
/// <param name="Source">The C# text.</param>
/// <param name="Identity">The network's full name, exact: what tells two networks with the same hint name apart.</param>
internal sealed record GeneratedFile(string HintName, string Source, string Identity = "");
