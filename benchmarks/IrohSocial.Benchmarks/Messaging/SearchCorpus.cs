using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Benchmarks.Messaging;

/// <summary>
/// A reproducible chat corpus for the search benchmarks: 20 peers, 30,000 made-up words (some accented) drawn
/// with a Zipf-like skew (a few words very common, most rare), 3 to 20 words per message, one message a second.
/// </summary>
internal static class SearchCorpus
{
    private static readonly string[] Syllables =
        ["ka", "lo", "mi", "ne", "ra", "tu", "sé", "vo", "pa", "ri", "zu", "hé", "do", "fi", "gü", "bo", "ça", "xe", "ju", "wa"];

    public static string[] Vocabulary { get; } = BuildVocabulary();

    public static EndpointId[] Peers { get; } = [.. Enumerable.Range(0, 20).Select(_ => { using var k = SecretKey.Generate(); return k.PublicKey; })];

    public static List<StoredMessage> Messages(int count, int seed = 42)
    {
        var random = new Random(seed);
        var result = new List<StoredMessage>(count);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Clear();
            var words = random.Next(3, 21);
            for (var w = 0; w < words; w++)
            {
                // Zipf-ish: the cube of a uniform variable favours low ranks.
                var u = random.NextDouble();
                var word = Vocabulary[(int)(u * u * u * Vocabulary.Length)];
                text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word).Append(w == words - 1 ? "." : " ");
            }

            result.Add(new StoredMessage(
                i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture), Peers[i % Peers.Length],
                i % 2 == 0 ? MessageDirection.Incoming : MessageDirection.Outgoing, text.ToString(),
                DateTimeOffset.UnixEpoch.AddYears(50).AddSeconds(i), null, [], MessageStatus.Read));
        }

        return result;
    }

    private static string[] BuildVocabulary()
    {
        var random = new Random(7);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (words.Count < 30_000)
        {
            var word = new StringBuilder();
            for (var s = random.Next(2, 5); s > 0; s--)
            {
                word.Append(Syllables[random.Next(Syllables.Length)]);
            }

            words.Add(word.ToString());
        }

        return [.. words];
    }
}
