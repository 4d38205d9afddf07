using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Training;

namespace StaticNet.Data;

/// <summary>
/// Loads data from CSV (RFC 4180: fields may be quoted with <c>"</c>, a quote inside doubled, and a quoted field may hold
/// the delimiter or a line break): one sample per record, numeric feature columns, and either one class label column
/// (integers, or class names with <see cref="CsvOptions.StringLabels"/>) or one or more regression target columns
/// (<see cref="CsvOptions.TargetColumns"/>). A missing value (an empty field, <c>NA</c>, <c>N/A</c>, <c>NaN</c>,
/// <c>null</c> or <c>?</c>) is an error that gives its line, data row and column. Gzip-compressed files are recognised
/// by their magic bytes and decompressed on the fly.
/// </summary>
/// <example>
/// <code>
/// Dataset digits = CsvLoader.Load("digits.csv.gz", new CsvOptions { FeatureScale = 1 / 16f, ClassCount = 10 });
/// CsvDataset iris = CsvLoader.Read("iris.csv", new CsvOptions { HasHeader = true, StringLabels = true });
/// int setosa = iris.ClassId("setosa");
/// </code>
/// </example>
public static class CsvLoader
{
    /// <summary>
    /// The largest class count inferred from the labels when <see cref="CsvOptions.ClassCount"/> is null: a label of
    /// at most 1023 (or at most 1024 distinct class names). Each row's one-hot target takes one float per class, so
    /// without this bound a single corrupt label (100000000) would cost gigabytes; set
    /// <see cref="CsvOptions.ClassCount"/> for data with more classes.
    /// </summary>
    public const int MaxInferredClassCount = 1024;

    /// <summary>Loads a CSV file (plain or gzip) into a <see cref="Dataset"/>.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; null for the defaults (no header, integer label in the last column).</param>
    /// <exception cref="InvalidDataException">
    /// A field is not a number or is missing, a record has a different number of columns from the first, a quoted field
    /// is not closed, a label is not a class in range (below <see cref="CsvOptions.ClassCount"/>, or below
    /// <see cref="MaxInferredClassCount"/> when the count is inferred), there are no data lines, or a gzip file is
    /// corrupt; the message gives the file, line and column.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// An option is out of range or names a column that is not there, or <see cref="CsvOptions.ClassCount"/> one-hot
    /// targets per row do not fit in one array.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> if it does not exist).</exception>
    public static Dataset Load(string path, CsvOptions? options = null) => Read(path, options).Dataset;

    /// <summary>Loads CSV (plain or gzip) from a stream into a <see cref="Dataset"/>. Disposes nothing.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="options">How to read it; null for the defaults (no header, integer label in the last column).</param>
    /// <exception cref="InvalidDataException">The content is not valid (see <see cref="Load(string, CsvOptions?)"/>); the message gives the line.</exception>
    /// <exception cref="ArgumentException">An option is out of range or names a column that is not there.</exception>
    public static Dataset Load(Stream stream, CsvOptions? options = null) => Read(stream, options).Dataset;

    /// <summary>
    /// Loads a CSV file (plain or gzip) with what describes it: the class-name ↔ id mapping for string labels, and the
    /// header's column names.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">How to read it; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The content is not valid (see <see cref="Load(string, CsvOptions?)"/>); the message gives the file, line and column.</exception>
    /// <exception cref="ArgumentException">An option is out of range or names a column that is not there.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CsvDataset Read(string path, CsvOptions? options = null) =>
        DataStream.Read(path, input => Parse(input, options, Path.GetFileName(path) + ", "));

    /// <summary>Loads CSV (plain or gzip) from a stream with its class-name mapping and column names. Disposes nothing.</summary>
    /// <param name="stream">The data, read from its current position to its end.</param>
    /// <param name="options">How to read it; null for the defaults.</param>
    /// <exception cref="InvalidDataException">The content is not valid; the message gives the line and column.</exception>
    /// <exception cref="ArgumentException">An option is out of range or names a column that is not there.</exception>
    public static CsvDataset Read(Stream stream, CsvOptions? options = null) =>
        DataStream.Read(stream, input => Parse(input, options, "CSV data, "));

    // source starts every error message: the file name, or "CSV data" for a stream, and ", ".
    private static CsvDataset Parse(Stream input, CsvOptions? options, string source)
    {
        options ??= new CsvOptions();
        if (!(options.FeatureScale is var scale && float.IsFinite(scale)))
            throw new ArgumentException($"Expected a finite {nameof(CsvOptions.FeatureScale)}; found {options.FeatureScale}.", nameof(options));
        if (options.ClassCount is < 2)
            throw new ArgumentException($"Expected a {nameof(CsvOptions.ClassCount)} of at least 2, or null to infer it; found {options.ClassCount}.", nameof(options));
        if (options.Delimiter is '"' or '\r' or '\n')
            throw new ArgumentException($"Expected a {nameof(CsvOptions.Delimiter)} other than a quote or a line break; found {Printable(options.Delimiter)}.", nameof(options));
        if (options.TargetColumns is not null && options.TargetColumnNames is not null)
            throw new ArgumentException($"Expected {nameof(CsvOptions.TargetColumns)} or {nameof(CsvOptions.TargetColumnNames)}; found both set.", nameof(options));
        if (options.IsRegression && (options.HasStringLabels || options.ClassCount is not null || options.LabelColumnName is not null))
            throw new ArgumentException($"Regression targets ({nameof(CsvOptions.TargetColumns)}) leave no class label; found class options set too ({nameof(CsvOptions.StringLabels)}, {nameof(CsvOptions.ClassNames)}, {nameof(CsvOptions.ClassCount)} or {nameof(CsvOptions.LabelColumnName)}).", nameof(options));
        if ((options.LabelColumnName is not null || options.TargetColumnNames is not null) && !options.HasHeader)
            throw new ArgumentException($"Columns chosen by name need a header; found {nameof(CsvOptions.HasHeader)} false.", nameof(options));
        Dictionary<string, int>? fixedIds = null;
        if (options.ClassNames is { } names)
        {
            if (names.Count < 2)
                throw new ArgumentException($"Expected at least 2 {nameof(CsvOptions.ClassNames)}; found {names.Count}.", nameof(options));
            if (options.ClassCount is int count && count != names.Count)
                throw new ArgumentException($"Expected {nameof(CsvOptions.ClassCount)} to be the number of {nameof(CsvOptions.ClassNames)} ({names.Count}); found {count}.", nameof(options));
            fixedIds = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < names.Count; i++)
                if (names[i] is null || !fixedIds.TryAdd(names[i], i))
                    throw new ArgumentException($"Expected distinct, non-null {nameof(CsvOptions.ClassNames)}; found {(names[i] is null ? "null" : $"'{names[i]}' twice")}.", nameof(options));
        }

        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: -1, leaveOpen: true);
        var records = new RecordReader(reader, options.Delimiter, source);
        var fields = new List<string>();
        var features = new List<float>();
        var targets = new List<float>();
        var labels = new List<int>();
        var labelTexts = new List<string>();
        var labelLines = new List<long>();
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        string[]? header = null;
        int columnCount = 0, maxLabel = 0;
        long dataRows = 0;
        int[] targetColumns = Array.Empty<int>();
        ColumnRole[] roles = Array.Empty<ColumnRole>();
        while (records.Read(fields))
        {
            long lineNumber = records.RecordLine;
            if (fields.Count == 1 && string.IsNullOrWhiteSpace(fields[0]) && !records.LastFieldQuoted) continue;
            if (columnCount == 0)
            {
                columnCount = fields.Count;
                if (options.HasHeader) header = fields.Select(f => f.Trim()).ToArray();
                roles = ResolveColumns(options, columnCount, header, source, lineNumber, out targetColumns);
                if (options.HasHeader) continue;
            }
            else if (fields.Count != columnCount)
            {
                throw new InvalidDataException($"{source}line {lineNumber}: expected {columnCount} columns, as on the first line; found {fields.Count}.");
            }

            dataRows++;
            if ((long)features.Count + columnCount > Compat.ArrayMaxLength)
                throw new InvalidDataException($"{source}line {lineNumber}: the data has more than {Compat.ArrayMaxLength} features in all, more than fit in one array.");
            foreach (int c in targetColumns)
                targets.Add(ParseNumber(fields[c], source, lineNumber, dataRows, c, header, "a target value"));
            for (int c = 0; c < fields.Count; c++)
            {
                if (roles[c] == ColumnRole.Feature)
                {
                    features.Add(ParseNumber(fields[c], source, lineNumber, dataRows, c, header, "a number") * scale);
                    continue;
                }
                string field = fields[c].Trim();
                switch (roles[c])
                {
                    case ColumnRole.Label when options.HasStringLabels:
                    {
                        string text = records.WasQuoted(c) ? fields[c] : field;
                        if (IsMissing(text.AsSpan()))
                            throw Missing(source, lineNumber, dataRows, c, header, text, "a class name");
                        if (fixedIds is not null)
                        {
                            if (!fixedIds.TryGetValue(text, out int id))
                                throw new InvalidDataException($"{source}line {lineNumber}, column {Column(c, header)}: expected one of the {fixedIds.Count} {nameof(CsvOptions.ClassNames)}; found '{Shorten(text)}'.");
                            labels.Add(id);
                        }
                        else
                        {
                            if (distinct.Add(text) && distinct.Count > (options.ClassCount ?? MaxInferredClassCount))
                                throw new InvalidDataException(options.ClassCount is int cap
                                    ? $"{source}line {lineNumber}, column {Column(c, header)}: expected at most {cap} class names ({nameof(CsvOptions.ClassCount)}); found a new one, '{Shorten(text)}'."
                                    : $"{source}line {lineNumber}, column {Column(c, header)}: expected at most {MaxInferredClassCount} distinct class names when the class count is inferred; found a new one, '{Shorten(text)}'. " +
                                      $"Set {nameof(CsvOptions)}.{nameof(CsvOptions.ClassCount)} if the data has more classes (each row's one-hot target takes one float per class).");
                            labelTexts.Add(text);
                            labelLines.Add(lineNumber);
                        }
                        break;
                    }
                    case ColumnRole.Label:
                    {
                        if (IsMissing(field.AsSpan()))
                            throw Missing(source, lineNumber, dataRows, c, header, field, "a class label");
                        int label = ParseLabel(field, options.ClassCount, source, lineNumber, c);
                        labels.Add(label);
                        if (label > maxLabel) maxLabel = label;
                        break;
                    }
                }
            }
        }

        if (dataRows == 0)
            throw new InvalidDataException($"{source}expected at least one data line; found {(records.LinesRead == 0 ? "an empty file" : "none")}.");
        int targetCount = targetColumns.Length;
        int featureCount = columnCount - (options.IsRegression ? targetCount : 1);
        string[]? featureNames = header?.Where((_, c) => roles[c] == ColumnRole.Feature).ToArray();
        if (options.IsRegression)
        {
            var dataset = new Dataset(features.ToArray(), featureCount, targets.ToArray(), targetCount);
            return new CsvDataset(dataset, null, featureNames, header is null ? null : targetColumns.Select(c => header[c]).ToArray());
        }

        string[]? targetNames = header?.Where((_, c) => roles[c] == ColumnRole.Label).ToArray();
        string[]? classNames = options.ClassNames?.ToArray();
        if (options.HasStringLabels && fixedIds is null)
        {
            classNames = distinct.OrderBy(n => n, StringComparer.Ordinal).ToArray();
            if (classNames.Length < 2 && options.ClassCount is null)
                throw new InvalidDataException($"{source}expected at least 2 distinct class names; found {classNames.Length} ('{Shorten(classNames[0])}'). Set {nameof(CsvOptions.ClassNames)} to give the others.");
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < classNames.Length; i++) ids[classNames[i]] = i;
            foreach (string text in labelTexts) labels.Add(ids[text]);
        }
        int classCount = options.ClassCount ?? (classNames?.Length ?? Math.Max(2, maxLabel + 1));
        if ((long)labels.Count * classCount > Compat.ArrayMaxLength)
            throw new ArgumentException($"{source}{labels.Count} rows × {nameof(CsvOptions.ClassCount)} {classCount} one-hot targets = {(long)labels.Count * classCount} floats do not fit in one array; expected a smaller {nameof(CsvOptions.ClassCount)}.", "options");
        return new CsvDataset(Dataset.FromLabels(features.ToArray(), featureCount, labels.ToArray(), classCount), classNames, featureNames, targetNames);
    }

    private enum ColumnRole : byte { Feature, Label, Target }

    private static ColumnRole[] ResolveColumns(CsvOptions options, int columnCount, string[]? header, string source, long lineNumber, out int[] targetColumns)
    {
        var roles = new ColumnRole[columnCount];
        if (options.IsRegression)
        {
            IReadOnlyList<int> wanted = options.TargetColumnNames is { } names
                ? names.Select(n => IndexOf(header!, n, nameof(CsvOptions.TargetColumnNames), source)).ToArray()
                : options.TargetColumns!;
            if (wanted.Count == 0)
                throw new ArgumentException($"Expected at least one target column; found an empty {(options.TargetColumnNames is null ? nameof(CsvOptions.TargetColumns) : nameof(CsvOptions.TargetColumnNames))}.", "options");
            if (columnCount < wanted.Count + 1)
                throw new InvalidDataException($"{source}line {lineNumber}: expected at least {wanted.Count + 1} columns (features and {wanted.Count} target(s)); found {columnCount}.");
            targetColumns = new int[wanted.Count];
            for (int i = 0; i < wanted.Count; i++)
            {
                int resolved = wanted[i] < 0 ? columnCount + wanted[i] : wanted[i];
                if ((uint)resolved >= (uint)columnCount)
                    throw new ArgumentException($"Expected {nameof(CsvOptions.TargetColumns)} in [-{columnCount}, {columnCount}) for the {columnCount} columns of {source}line {lineNumber}; found {wanted[i]}.", "options");
                if (roles[resolved] == ColumnRole.Target)
                    throw new ArgumentException($"Expected distinct target columns; found column {resolved + 1} twice.", "options");
                roles[resolved] = ColumnRole.Target;
                targetColumns[i] = resolved;
            }
            return roles;
        }
        targetColumns = Array.Empty<int>();
        int label = options.LabelColumnName is { } name
            ? IndexOf(header!, name, nameof(CsvOptions.LabelColumnName), source)
            : ResolveLabelColumn(options.LabelColumn, columnCount, source, lineNumber);
        if (columnCount < 2)
            throw new InvalidDataException($"{source}line {lineNumber}: expected at least 2 columns (features and a label); found {columnCount}.");
        roles[label] = ColumnRole.Label;
        return roles;
    }

    private static int IndexOf(string[] header, string name, string option, string source)
    {
        int index = Array.IndexOf(header, name);
        if (index < 0)
            throw new ArgumentException($"{source}expected a header column named '{name}' ({option}); found the columns {string.Join(", ", header.Take(30).Select(h => $"'{Shorten(h)}'"))}{(header.Length > 30 ? ", …" : "")}.", "options");
        return index;
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

    /// <summary>The texts that stand for a missing value: an empty field, NA, N/A, NaN, null, ?.</summary>
    private static bool IsMissing(ReadOnlySpan<char> field) =>
        field.Length switch
        {
            0 => true,
            1 => field[0] == '?',
            2 => field.Equals("NA".AsSpan(), StringComparison.OrdinalIgnoreCase),
            3 => field.Equals("N/A".AsSpan(), StringComparison.OrdinalIgnoreCase) || field.Equals("NaN".AsSpan(), StringComparison.OrdinalIgnoreCase),
            4 => field.Equals("null".AsSpan(), StringComparison.OrdinalIgnoreCase),
            _ => false,
        };

    private static InvalidDataException Missing(string source, long line, long row, int column, string[]? header, string found, string expected) =>
        new($"{source}line {line} (data row {row}), column {Column(column, header)}: expected {expected}; found a missing value " +
            $"({(found.Length == 0 ? "an empty field" : $"'{found}'")}). Fill in or drop the rows with missing values before loading.");

    private static float ParseNumber(string raw, string source, long line, long row, int column, string[]? header, string expected)
    {
        ReadOnlySpan<char> field = raw.AsSpan().Trim();
        if (float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && !float.IsNaN(value))
            return value;
        if (IsMissing(field))
            throw Missing(source, line, row, column, header, field.ToString(), expected);
        throw new InvalidDataException($"{source}line {line}, column {Column(column, header)}: expected {expected}; found '{Shorten(field.ToString())}'.");
    }

    /// <summary>A column for a message: its number from 1, and its header name when there is one.</summary>
    private static string Column(int column, string[]? header) =>
        header is null ? (column + 1).ToString(CultureInfo.InvariantCulture) : $"{column + 1} ('{Shorten(header[column])}')";

    private static string Printable(char c) => c switch { '\r' => "'\\r'", '\n' => "'\\n'", _ => $"'{c}'" };

    private static int ParseLabel(string field, int? classCount, string source, long lineNumber, int column)
    {
        // Labels may be written as integers or as integral floats ("3" or "3.0").
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new InvalidDataException($"{source}line {lineNumber}, column {column + 1}: expected a class label (an integer ≥ 0); found '{Shorten(field)}'. For class names, set {nameof(CsvOptions)}.{nameof(CsvOptions.StringLabels)}.");
        if (value != Math.Floor(value) || value < 0)
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

    /// <summary>
    /// Reads RFC 4180 records: fields separated by the delimiter, records by CRLF, LF or CR; a field that starts with a
    /// quote (after optional spaces) runs to the matching quote, with <c>""</c> for a quote inside, and may hold
    /// delimiters and line breaks (each read as <c>"\n"</c>). Unquoted fields are taken as they are (the caller trims them).
    /// </summary>
    private sealed class RecordReader(TextReader reader, char delimiter, string source)
    {
        private readonly StringBuilder _field = new();
        private readonly List<bool> _quoted = new();
        private long _line = 1;

        /// <summary>The line on which the last record started.</summary>
        public long RecordLine { get; private set; }

        /// <summary>The number of lines begun.</summary>
        public long LinesRead { get; private set; }

        public bool LastFieldQuoted => _quoted.Count > 0 && _quoted[_quoted.Count - 1];

        public bool WasQuoted(int field) => _quoted[field];

        public bool Read(List<string> fields)
        {
            fields.Clear();
            _quoted.Clear();
            string? line = reader.ReadLine();
            if (line is null) return false;
            RecordLine = _line;
            LinesRead = _line;
            _line++;
            if (line.IndexOf('"') < 0)
            {
                // The common case: no quotes, so the record is this line, split at each delimiter.
                int start = 0;
                for (int i = 0; i < line.Length; i++)
                {
                    if (line[i] != delimiter) continue;
                    fields.Add(line.Substring(start, i - start));
                    _quoted.Add(false);
                    start = i + 1;
                }
                fields.Add(line.Substring(start));
                _quoted.Add(false);
                return true;
            }

            _field.Clear();
            bool inQuotes = false, afterQuote = false, quoted = false;
            long quoteLine = 0;
            int position = 0;
            while (true)
            {
                if (position == line.Length)
                {
                    if (!inQuotes)
                    {
                        fields.Add(_field.ToString());
                        _quoted.Add(quoted);
                        return true;
                    }
                    // A line break inside quotes belongs to the field (read as "\n").
                    line = reader.ReadLine();
                    if (line is null)
                        throw new InvalidDataException($"{source}line {quoteLine}, column {fields.Count + 1}: expected a closing '\"' for the quoted field that starts here; found the end of the data.");
                    _line++;
                    _field.Append('\n');
                    position = 0;
                    continue;
                }
                char c = line[position++];
                if (inQuotes)
                {
                    if (c != '"')
                        _field.Append(c);
                    else if (position < line.Length && line[position] == '"')
                    {
                        _field.Append('"');
                        position++;
                    }
                    else
                    {
                        inQuotes = false;
                        afterQuote = true;
                    }
                }
                else if (c == delimiter)
                {
                    fields.Add(_field.ToString());
                    _quoted.Add(quoted);
                    _field.Clear();
                    afterQuote = quoted = false;
                }
                else if (afterQuote)
                {
                    if (!char.IsWhiteSpace(c))
                        throw new InvalidDataException($"{source}line {_line - 1}, column {fields.Count + 1}: expected the delimiter {Printable(delimiter)} or the end of the line after a closing quote; found '{c}'.");
                }
                else if (c == '"' && IsBlank(_field))
                {
                    _field.Clear();
                    inQuotes = quoted = true;
                    quoteLine = _line - 1;
                }
                else
                {
                    _field.Append(c);
                }
            }
        }

        private static bool IsBlank(StringBuilder text)
        {
            for (int i = 0; i < text.Length; i++)
                if (!char.IsWhiteSpace(text[i])) return false;
            return true;
        }
    }
}
