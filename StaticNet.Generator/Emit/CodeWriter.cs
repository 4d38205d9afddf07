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

    public override string ToString() => _text.ToString();
}

/// <summary>One generated source file.</summary>
/// <param name="HintName">Its hint name (before disambiguation, without <c>.g.cs</c>).</param>
/// <param name="Source">The C# text.</param>
/// <param name="Identity">The network's full name, exact: what tells two networks with the same hint name apart.</param>
internal sealed record GeneratedFile(string HintName, string Source, string Identity = "");
