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

        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            yield return char.ToLowerInvariant(c);
        }
    }
}
