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

    /// <summary>Above this many hits a query walks messages newest first instead of ranking every hit.</summary>
    public const int DefaultDenseMatches = 4096;

    private readonly int _denseMatches;

    private readonly List<Entry?> _entries = [];
    private readonly Dictionary<string, int> _byMessage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _postings = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _words = new(StringComparer.Ordinal);
    private readonly List<int> _byTime = [];
    private bool _byTimeDirty;
    private int _dead;

    /// <param name="denseMatches">Hit count above which queries walk newest first (tests lower it to cover both paths).</param>
    public MessageSearchIndex(int denseMatches = DefaultDenseMatches) => _denseMatches = denseMatches;

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
        var entry = new Entry(message.Id, message.Peer, message.Timestamp.UtcTicks);
        _entries.Add(entry);
        _byMessage[message.Id] = number;
        // Usually the newest: appended in order. Otherwise the order is rebuilt at the next dense query.
        _byTimeDirty |= _byTime.Count > 0 && (_entries[_byTime[^1]] is not { } newest || NewestLast.Instance.Compare(entry, newest) < 0);
        _byTime.Add(number);
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
    /// Ids of messages in which every query word is a prefix of some word, filtered by peer and position (strictly
    /// after <paramref name="after"/> in result order), newest first (equal timestamps: greater message id first, so
    /// the order survives a rebuild), at most <paramref name="take"/>.
    /// </summary>
    public IReadOnlyList<string> Query(IReadOnlyList<string> terms, EndpointId? peer, SearchCursor? after, int take)
    {
        if (terms.Count == 0 || take <= 0)
        {
            return [];
        }

        // One bit per message number for each term (the union of its words' postings), ANDed together: touching
        // each posting once, with no hashing, whatever the prefix's fan-out.
        ulong[]? matches = null;
        foreach (var term in terms)
        {
            var bits = new ulong[(_entries.Count + 63) / 64];
            foreach (var word in WordsWithPrefix(term))
            {
                foreach (var number in _postings[word])
                {
                    bits[number >> 6] |= 1UL << number;
                }
            }

            if (matches is null)
            {
                matches = bits;
            }
            else
            {
                for (var i = 0; i < bits.Length; i++)
                {
                    matches[i] &= bits[i];
                }
            }
        }

        var count = 0L;
        foreach (var word in matches!)
        {
            count += (long)ulong.PopCount(word);
        }

        bool Wanted(Entry? e) => e is not null && (peer is not { } p || e.Peer == p) && (after is not { } c || c.Precedes(e.TimestampTicks, e.MessageId));

        // Many hits: walk messages newest first and stop at the limit (a common prefix then costs about what a
        // newest-first scan would). Few hits: rank just those.
        return count > _denseMatches ? NewestFirst(matches, Wanted, take) : RankHits(matches, Wanted, take);
    }

    private List<string> NewestFirst(ulong[] matches, Func<Entry?, bool> wanted, int take)
    {
        var result = new List<string>(Math.Min(take, 1024));
        var order = ByTime();
        for (var i = order.Count - 1; i >= 0 && result.Count < take; i--)
        {
            var number = order[i];
            if ((matches[number >> 6] & (1UL << number)) != 0 && _entries[number] is { } entry && wanted(entry))
            {
                result.Add(entry.MessageId);
            }
        }

        return result;
    }

    private string[] RankHits(ulong[] matches, Func<Entry?, bool> wanted, int take)
    {
        // Keep the newest `take` in a min-heap (oldest on top): O(n log take) instead of sorting every hit.
        var newest = new PriorityQueue<Entry, Entry>(Math.Min(take, 1024) + 1, NewestLast.Instance);
        for (var block = 0; block < matches.Length; block++)
        {
            for (var bits = matches[block]; bits != 0; bits &= bits - 1)
            {
                var number = (block << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                if (_entries[number] is not { } entry || !wanted(entry))
                {
                    continue;
                }

                newest.Enqueue(entry, entry);
                if (newest.Count > take)
                {
                    newest.Dequeue();
                }
            }
        }

        var result = new string[newest.Count];
        for (var i = result.Length - 1; i >= 0; i--)
        {
            result[i] = newest.Dequeue().MessageId;
        }

        return result;
    }

    /// <summary>Message numbers oldest first by (timestamp, id); kept sorted as messages arrive in order, re-sorted when one did not.</summary>
    private List<int> ByTime()
    {
        if (_byTimeDirty)
        {
            _byTime.RemoveAll(n => _entries[n] is null);
            _byTime.Sort((a, b) => NewestLast.Instance.Compare(_entries[a], _entries[b]));
            _byTimeDirty = false;
        }

        return _byTime;
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

        _byTime.RemoveAll(n => _entries[n] is null);
        _dead = 0;
    }

    /// <summary>Where a result page ended, for the next page; <see langword="null"/> when the id is not indexed.</summary>
    public SearchCursor? CursorAt(string messageId) =>
        _byMessage.TryGetValue(messageId, out var number) && _entries[number] is { } entry ? new SearchCursor(entry.TimestampTicks, entry.MessageId) : null;

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
