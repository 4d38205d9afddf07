using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using StaticNet.Training;

namespace StaticNet.Data;

/// <summary>
/// Loads classification data from CSV: one sample per line, numeric feature columns and one integer label column.
/// Gzip-compressed files are recognised by their magic bytes and decompressed on the fly.
/// </summary>
/// <example>
/// <code>
/// Dataset digits = CsvLoader.Load("digits.csv.gz", new CsvOptions { FeatureScale = 1 / 16f, ClassCount = 10 });
/// </code>
/// </example>
public static class CsvLoader
{
    /// <summary>
    /// The largest class count inferred from the labels when <see cref="CsvOptions.ClassCount"/> is null: a label of
    /// at most 1023. Each row's one-hot target takes one float per class, so without this bound a single corrupt
    /// label (100000000) would cost gigabytes; set <see cref="CsvOptions.ClassCount"/> for data with more classes.
    /// </summary>
    public const int MaxInferredClassCount = 1024;

    /// <summary>Loads a CSV file (plain or gzip) into a labelled <see cref="Dataset"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; null for the defaults (no header, label in the last column).</param>
    /// <exception cref="InvalidDataException">
    /// A field is not a number, a line has a different number of columns from the first, a label is not an integer
    /// in range (below <see cref="CsvOptions.ClassCount"/>, or below <see cref="MaxInferredClassCount"/> when the count
    /// is inferred), there are no data lines, or a gzip file is corrupt; the message gives the file and line.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// An option is out of range, or <see cref="CsvOptions.ClassCount"/> one-hot targets per row do not fit in one array.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static Dataset Load(string path, CsvOptions? options = null) =>
        DataStream.Read(path, input => Parse(input, options, Path.GetFileName(path) + ", "));

    /// <summary>Loads CSV (plain or gzip) from a stream into a labelled <see cref="Dataset"/>. Disposes nothing.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="options">How to read it; null for the defaults (no header, label in the last column).</param>
    /// <exception cref="InvalidDataException">
    /// A field is not a number, a line has a different number of columns from the first, a label is not an integer
    /// in range (below <see cref="CsvOptions.ClassCount"/>, or below <see cref="MaxInferredClassCount"/> when the count
    /// is inferred), there are no data lines, or gzip data is corrupt; the message gives the line.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// An option is out of range, or <see cref="CsvOptions.ClassCount"/> one-hot targets per row do not fit in one array.
    /// </exception>
    public static Dataset Load(Stream stream, CsvOptions? options = null) =>
        DataStream.Read(stream, input => Parse(input, options, "CSV data, "));

    // source starts every error message: the file name, or "CSV data" for a stream, and ", ".
    private static Dataset Parse(Stream input, CsvOptions? options, string source)
    {
        options ??= new CsvOptions();
        if (!(options.FeatureScale is var scale && float.IsFinite(scale)))
            throw new ArgumentException($"Expected a finite {nameof(CsvOptions.FeatureScale)}; found {options.FeatureScale}.", nameof(options));
        if (options.ClassCount is < 2)
            throw new ArgumentException($"Expected a {nameof(CsvOptions.ClassCount)} of at least 2, or null to infer it; found {options.ClassCount}.", nameof(options));

        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: -1, leaveOpen: true);
        var features = new List<float>();
        var labels = new List<int>();
        int columnCount = 0, labelColumn = 0, maxLabel = 0;
        long lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split(options.Delimiter);
            if (columnCount == 0)
            {
                columnCount = fields.Length;
                labelColumn = ResolveLabelColumn(options.LabelColumn, columnCount, source, lineNumber);
                if (options.HasHeader) continue;
            }
            else if (fields.Length != columnCount)
            {
                throw new InvalidDataException($"{source}line {lineNumber}: expected {columnCount} columns, as on the first line; found {fields.Length}.");
            }

            if ((long)features.Count + columnCount - 1 > Compat.ArrayMaxLength)
                throw new InvalidDataException($"{source}line {lineNumber}: the data has more than {Compat.ArrayMaxLength} features in all, more than fit in one array.");
            for (int c = 0; c < fields.Length; c++)
            {
                string field = fields[c].Trim();
                if (c == labelColumn)
                {
                    int label = ParseLabel(field, options.ClassCount, source, lineNumber, c);
                    labels.Add(label);
                    if (label > maxLabel) maxLabel = label;
                    continue;
                }
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new InvalidDataException($"{source}line {lineNumber}, column {c + 1}: expected a number; found '{Shorten(field)}'.");
                features.Add(value * scale);
            }
        }

        if (labels.Count == 0)
            throw new InvalidDataException($"{source}expected at least one data line; found {(lineNumber == 0 ? "an empty file" : "none")}.");
        int classCount = options.ClassCount ?? Math.Max(2, maxLabel + 1);
        if ((long)labels.Count * classCount > Compat.ArrayMaxLength)
            throw new ArgumentException($"{source}{labels.Count} rows × {nameof(CsvOptions.ClassCount)} {classCount} one-hot targets = {(long)labels.Count * classCount} floats do not fit in one array; expected a smaller {nameof(CsvOptions.ClassCount)}.", "options");
        return Dataset.FromLabels(features.ToArray(), columnCount - 1, labels.ToArray(), classCount);
    }

    private static int ResolveLabelColumn(int labelColumn, int columnCount, string source, long lineNumber)
    {
        if (columnCount < 2)
            throw new InvalidDataException($"{source}line {lineNumber}: expected at least 2 columns (features and a label); found {columnCount}.");
        int resolved = labelColumn < 0 ? columnCount + labelColumn : labelColumn;
        if ((uint)resolved >= (uint)columnCount)
            throw new ArgumentException($"Expected {nameof(CsvOptions.LabelColumn)} in [-{columnCount}, {columnCount}) for the {columnCount} columns of {source}line {lineNumber}; found {labelColumn}.", "options");
        return resolved;
    }

    private static int ParseLabel(string field, int? classCount, string source, long lineNumber, int column)
    {
        // Labels may be written as integers or as integral floats ("3" or "3.0").
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ||
            value != Math.Floor(value) || value < 0)
            throw new InvalidDataException($"{source}line {lineNumber}, column {column + 1}: expected a class label (an integer ≥ 0); found '{Shorten(field)}'.");
        if (classCount is int count)
        {
            if (value >= count)
                throw new InvalidDataException($"{source}line {lineNumber}, column {column + 1}: expected a class label in [0, {count}); found {Shorten(field)}.");
        }
        else if (value >= MaxInferredClassCount)
        {
            throw new InvalidDataException(
                $"{source}line {lineNumber}, column {column + 1}: expected a class label in [0, {MaxInferredClassCount}) when the class count is inferred; found {Shorten(field)}. " +
                $"Set {nameof(CsvOptions)}.{nameof(CsvOptions.ClassCount)} if the data has more classes (each row's one-hot target takes one float per class).");
        }
        return (int)value;
    }

    /// <summary>A field for a message, cut to 40 characters.</summary>
    private static string Shorten(string field) => field.Length <= 40 ? field : field.Substring(0, 40) + $"… ({field.Length} characters)";
}
