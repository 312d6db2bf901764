using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Search;

/// <summary>
/// An inverted index of message words held only in memory: word → message numbers, plus the words in
/// ordinal order so a prefix is one range of them. Not thread-safe; <see cref="MessageSearch"/> serializes access.
/// </summary>
/// <remarks>
/// A removed message leaves its number in the posting lists (skipped on read) until more of them are dead than
/// live; then every posting list drops its dead numbers and words left with none are forgotten.
/// </remarks>
internal sealed class MessageSearchIndex
{
    private const int CompactAfter = 1024;

    private readonly List<Entry?> _entries = [];
    private readonly Dictionary<string, int> _byMessage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _postings = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _words = new(StringComparer.Ordinal);
    private int _dead;

    /// <summary>Live messages indexed.</summary>
    public int Count => _byMessage.Count;

    /// <summary>Distinct words indexed.</summary>
    public int WordCount => _words.Count;

    /// <summary>Indexes a message; a message id already present is ignored (the store ignores it too).</summary>
    public void Add(StoredMessage message)
    {
        if (_byMessage.ContainsKey(message.Id))
        {
            return;
        }

        var number = _entries.Count;
        _entries.Add(new Entry(message.Id, message.Peer, message.Timestamp.UtcTicks));
        _byMessage[message.Id] = number;
        foreach (var word in SearchText.Words(message.Content))
        {
            if (!_postings.TryGetValue(word, out var list))
            {
                list = [];
                _postings.Add(word, list);
                _words.Add(word);
            }

            list.Add(number);
        }
    }

    /// <summary>Forgets a message (no-op when absent).</summary>
    public void Remove(string messageId)
    {
        if (!_byMessage.Remove(messageId, out var number))
        {
            return;
        }

        _entries[number] = null;
        _dead++;
        if (_dead > CompactAfter && _dead > _byMessage.Count)
        {
            Compact();
        }
    }

    /// <summary>
    /// Ids of messages in which every query word is a prefix of some word, filtered by peer and time (strictly
    /// before <paramref name="before"/>), newest first (equal timestamps: greater message id first, so the order
    /// survives a rebuild), at most <paramref name="take"/>.
    /// </summary>
    public IReadOnlyList<string> Query(IReadOnlyList<string> terms, EndpointId? peer, DateTimeOffset? before, int take)
    {
        if (terms.Count == 0 || take <= 0)
        {
            return [];
        }

        // Narrowest term first, so the running intersection starts small.
        var ranges = terms.Select(t => (term: t, words: WordsWithPrefix(t).ToList()))
            .OrderBy(r => r.words.Sum(w => _postings[w].Count))
            .ToList();
        HashSet<int>? matches = null;
        foreach (var (_, words) in ranges)
        {
            var hits = new HashSet<int>();
            foreach (var word in words)
            {
                foreach (var number in _postings[word])
                {
                    if (matches is null || matches.Contains(number))
                    {
                        hits.Add(number);
                    }
                }
            }

            matches = hits;
            if (matches.Count == 0)
            {
                return [];
            }
        }

        // Keep the newest `take` in a min-heap (oldest on top): O(n log take) instead of sorting every hit.
        var beforeTicks = before?.UtcTicks ?? long.MaxValue;
        var newest = new PriorityQueue<Entry, Entry>(Math.Min(take, 1024) + 1, NewestLast.Instance);
        foreach (var number in matches!)
        {
            if (_entries[number] is not { } entry || (peer is { } p && entry.Peer != p) || entry.TimestampTicks >= beforeTicks)
            {
                continue;
            }

            newest.Enqueue(entry, entry);
            if (newest.Count > take)
            {
                newest.Dequeue();
            }
        }

        var result = new string[newest.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            result[i] = newest.Dequeue().MessageId;
        }

        return result;
    }

    private IEnumerable<string> WordsWithPrefix(string prefix) =>
        // Words hold letters and digits only, so U+FFFF (a noncharacter) bounds every word starting with the prefix.
        _words.GetViewBetween(prefix, prefix + '\uffff');

    private void Compact()
    {
        var emptied = new List<string>();
        foreach (var (word, list) in _postings)
        {
            list.RemoveAll(n => _entries[n] is null);
            if (list.Count == 0)
            {
                emptied.Add(word);
            }
        }

        foreach (var word in emptied)
        {
            _postings.Remove(word);
            _words.Remove(word);
        }

        _dead = 0;
    }

    private sealed record Entry(string MessageId, EndpointId Peer, long TimestampTicks);

    /// <summary>Result order reversed (oldest first), for the min-heap that keeps the newest.</summary>
    private sealed class NewestLast : IComparer<Entry>
    {
        public static readonly NewestLast Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byTime = x!.TimestampTicks.CompareTo(y!.TimestampTicks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.MessageId, y.MessageId);
        }
    }
}
