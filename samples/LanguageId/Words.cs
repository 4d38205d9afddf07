using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Training;

namespace LanguageId;

/// <summary>
/// The data: words from Debian's word lists (<c>/usr/share/dict</c>), lowercased, 3–16 letters, words found in more
/// than one list dropped, a seeded sample per language, each encoded as 16 character ids padded at the end with 0.
/// </summary>
internal static class Words
{
    /// <summary>Characters per word (the sequence length); shorter words are padded at the end with id 0.</summary>
    public const int Length = 16;

    /// <summary>Token ids: 0 is padding (and the end of a word), 1 an unknown character, 2… the most frequent characters, the last the start token.</summary>
    public const int Vocabulary = 64;

    /// <summary>The start token of <see cref="CharModel"/>.</summary>
    public const int Start = Vocabulary - 1;

    /// <summary>The languages, one class each.</summary>
    public const int Languages = 6;

    /// <summary>The command that installs the word lists.</summary>
    public const string InstallCommand = "sudo apt-get install -y wamerican wngerman wfrench wspanish witalian wdutch";

    /// <summary>Language names and their Debian word-list files (in <see cref="Folder"/>), in class order.</summary>
    public static readonly (string Name, string File)[] Lists =
    [
        ("English", "american-english"),
        ("German", "ngerman"),
        ("French", "french"),
        ("Spanish", "spanish"),
        ("Italian", "italian"),
        ("Dutch", "dutch"),
    ];

    /// <summary>The folder that holds the word lists (<c>--dict</c>).</summary>
    public static string Folder { get; set; } = "/usr/share/dict";

    /// <summary>The word lists that are not installed.</summary>
    public static string[] Missing() => Lists.Select(l => Path.Combine(Folder, l.File)).Where(f => !File.Exists(f)).ToArray();

    /// <summary>The encoded splits and the words of the test split (for examples).</summary>
    public sealed record Data(Dataset Train, Dataset Validation, Dataset Test, string[] TestWords, int[] TestLabels, char[] Alphabet, string[][] TrainWords);

    /// <summary>Reads the lists and draws <paramref name="train"/> + <paramref name="validation"/> + <paramref name="test"/> words per language.</summary>
    public static Data Load(int train, int validation, int test, int seed)
    {
        var sets = new HashSet<string>[Languages];
        var seenIn = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int l = 0; l < Languages; l++)
        {
            sets[l] = new HashSet<string>(StringComparer.Ordinal);
            foreach (string line in File.ReadLines(Path.Combine(Folder, Lists[l].File)))
            {
                string w = line.Trim().ToLowerInvariant();
                if (w.Length < 3 || w.Length > Length || !w.All(char.IsLetter)) continue;
                if (sets[l].Add(w)) seenIn[w] = seenIn.TryGetValue(w, out int n) ? n + 1 : 1;
            }
        }
        int per = train + validation + test;
        var picked = new string[Languages][];
        for (int l = 0; l < Languages; l++)
        {
            string[] unique = sets[l].Where(w => seenIn[w] == 1).OrderBy(w => w, StringComparer.Ordinal).ToArray();
            if (unique.Length < per)
                throw new InvalidOperationException($"{Path.Combine(Folder, Lists[l].File)} has {unique.Length} usable words; expected at least {per}.");
            new Random(seed * 31 + l).Shuffle(unique);
            picked[l] = unique[..per];
        }

        // The alphabet: the most frequent characters of the training words get ids 2…62, the rest is 1 (unknown).
        var counts = new Dictionary<char, int>();
        for (int l = 0; l < Languages; l++)
            foreach (string w in picked[l][..train])
                foreach (char c in w) counts[c] = counts.GetValueOrDefault(c) + 1;
        char[] alphabet = counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(Vocabulary - 3).Select(p => p.Key).ToArray();
        var ids = new Dictionary<char, int>();
        for (int i = 0; i < alphabet.Length; i++) ids[alphabet[i]] = i + 2;

        (Dataset, string[], int[]) Split(int from, int count)
        {
            var features = new float[Languages * count * Length];
            var labels = new int[Languages * count];
            var words = new string[Languages * count];
            for (int i = 0; i < count; i++)
                for (int l = 0; l < Languages; l++)
                {
                    int row = i * Languages + l; // languages interleaved
                    string w = picked[l][from + i];
                    words[row] = w;
                    labels[row] = l;
                    Encode(w, ids, features.AsSpan(row * Length, Length));
                }
            return (Dataset.FromLabels(features, Length, labels, Languages), words, labels);
        }

        var (trainSet, _, _) = Split(0, train);
        var (validationSet, _, _) = Split(train, validation);
        var (testSet, testWords, testLabels) = Split(train + validation, test);
        return new Data(trainSet, validationSet, testSet, testWords, testLabels, alphabet, picked.Select(p => p[..train]).ToArray());
    }

    private static void Encode(string word, Dictionary<char, int> ids, Span<float> into)
    {
        into.Clear();
        for (int i = 0; i < word.Length; i++) into[i] = ids.TryGetValue(word[i], out int id) ? id : 1;
    }
}
