using System.Globalization;
using System.Text;

namespace IrohSocial.Messaging.Search;

/// <summary>
/// How message text and queries are cut into searchable words: Unicode canonical decomposition, combining
/// marks dropped (so "Café" and "cafe" meet), lower-cased with invariant rules, split on everything that is
/// not a letter or a digit.
/// </summary>
internal static class SearchText
{
    /// <summary>Longest word kept; longer runs are cut so one huge token cannot bloat the index.</summary>
    public const int MaxWordLength = 64;

    /// <summary>The distinct words of <paramref name="text"/>, normalized, in first-seen order.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        foreach (var c in Fold(text))
        {
            if (char.IsLetterOrDigit(c))
            {
                if (current.Length < MaxWordLength)
                {
                    current.Append(c);
                }

                continue;
            }

            Flush();
        }

        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                var word = current.ToString();
                if (seen.Add(word))
                {
                    words.Add(word);
                }

                current.Clear();
            }
        }
    }

    // Apps built with InvariantGlobalization have no ICU, and Normalize then leaves non-ASCII text as it is. For them
    // the Latin letters U+00C0..U+024F fold to their base letter through this table (generated from Unicode's NFD
    // decompositions; letters without one, like 'ß' or 'ø', stay). Other scripts keep their accents in that mode.
    private const char FoldFirst = '\u00c0';
    private const string FoldTable = "AAAAAA\u00c6CEEEEIIII\u00d0NOOOOO\u00d7\u00d8UUUUY\u00de\u00dfaaaaaa\u00e6ceeeeiiii\u00f0nooooo\u00f7\u00f8uuuuy\u00feyAaAaAaCcCcCcCcDd\u0110\u0111EeEeEeEeEeGgGgGgGgHh\u0126\u0127IiIiIiIiI\u0131\u0132\u0133JjKk\u0138LlLlLl\u013f\u0140\u0141\u0142NnNnNn\u0149\u014a\u014bOoOoOo\u0152\u0153RrRrRrSsSsSsSsTtTt\u0166\u0167UuUuUuUuUuUuWwYyYZzZzZz\u017f\u0180\u0181\u0182\u0183\u0184\u0185\u0186\u0187\u0188\u0189\u018a\u018b\u018c\u018d\u018e\u018f\u0190\u0191\u0192\u0193\u0194\u0195\u0196\u0197\u0198\u0199\u019a\u019b\u019c\u019d\u019e\u019fOo\u01a2\u01a3\u01a4\u01a5\u01a6\u01a7\u01a8\u01a9\u01aa\u01ab\u01ac\u01ad\u01aeUu\u01b1\u01b2\u01b3\u01b4\u01b5\u01b6\u01b7\u01b8\u01b9\u01ba\u01bb\u01bc\u01bd\u01be\u01bf\u01c0\u01c1\u01c2\u01c3\u01c4\u01c5\u01c6\u01c7\u01c8\u01c9\u01ca\u01cb\u01ccAaIiOoUuUuUuUuUu\u01ddAaAa\u01e2\u01e3\u01e4\u01e5GgKkOoOo\u01ee\u01efj\u01f1\u01f2\u01f3Gg\u01f6\u01f7NnAa\u01fc\u01fd\u01fe\u01ffAaAaEeEeIiIiOoOoRrRrUuUuSsTt\u021c\u021dHh\u0220\u0221\u0222\u0223\u0224\u0225AaEeOoOoOoOoYy\u0234\u0235\u0236\u0237\u0238\u0239\u023a\u023b\u023c\u023d\u023e\u023f\u0240\u0241\u0242\u0243\u0244\u0245\u0246\u0247\u0248\u0249\u024a\u024b\u024c\u024d\u024e\u024f";
    private static readonly bool NormalizationWorks = "\u00e9".Normalize(NormalizationForm.FormD).Length == 2;

    /// <summary>Decomposed, without combining marks, lower case.</summary>
    private static IEnumerable<char> Fold(string text)
    {
        string decomposed;
        try
        {
            decomposed = text.Normalize(NormalizationForm.FormD);
        }
        catch (ArgumentException)
        {
            // Ill-formed UTF-16 (a lone surrogate) cannot be normalized; its letters still count as they are.
            decomposed = text;
        }

        foreach (var original in decomposed)
        {
            var c = !NormalizationWorks && original >= FoldFirst && original - FoldFirst < FoldTable.Length ? FoldTable[original - FoldFirst] : original;
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            yield return char.ToLowerInvariant(c);
        }
    }
}
