using Microsoft.CodeAnalysis.CSharp;

namespace StaticNet.Generator.Model;

/// <summary>How user text goes into generated code: identifiers, string literals, XML doc text and hint names.</summary>
internal static class Identifiers
{
    /// <summary>An identifier as C# source: a keyword gets the <c>@</c> prefix (<c>class</c> → <c>@class</c>).</summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    /// <summary>A C# string literal, quotes included, with every special character escaped.</summary>
    public static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    /// <summary>Text for an XML doc comment: one line (control characters as C# escapes), with &amp;, &lt;, &gt; and quotes escaped.</summary>
    public static string Doc(string text) =>
        System.Security.SecurityElement.Escape(SymbolDisplay.FormatLiteral(text, quote: false)) ?? "";

    /// <summary>
    /// A hint name part: ASCII letters, digits, '_' and '.' (anything else becomes '_'), which every Roslyn accepts in a
    /// hint name. Distinct names can map to the same part (or differ only in case); the generator disambiguates those.
    /// </summary>
    public static string HintPart(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
            builder.Append(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or '.' ? c : '_');
        return builder.ToString();
    }

    /// <summary>A stable 32-bit FNV-1a hash of the text, as 8 hex digits: the same on every machine and run.</summary>
    public static string StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619;
            hash = (hash ^ (uint)(c >> 8)) * 16777619;
        }
        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
