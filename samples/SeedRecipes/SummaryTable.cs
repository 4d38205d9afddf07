using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SeedRecipes;

/// <summary>The claimed-against-measured table, as aligned text.</summary>
public static class SummaryTable
{
    /// <summary>One row per recipe: the recipe, its data here, the article's figure and the measured one.</summary>
    public static string Render(IReadOnlyList<RecipeResult> results)
    {
        string[] header = ["Recipe", "Data here", "Claimed", "Measured"];
        var rows = new List<string[]> { header };
        rows.AddRange(results.Select(r => new[] { r.Recipe, r.Data, r.Claimed, r.Measured }));
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            text.AppendLine(string.Join(" | ", rows[r].Select((cell, c) => c == header.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
            if (r == 0) text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        }
        return text.ToString();
    }
}
