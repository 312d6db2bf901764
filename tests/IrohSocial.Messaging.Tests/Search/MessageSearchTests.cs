using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Search;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Search;

/// <summary>
/// The in-memory index against a plain reference search over the same decrypted messages: for any messages,
/// deletions and query, the same ids in the same order.
/// </summary>
public sealed partial class MessageSearchTests
{
    private static readonly EndpointId[] Peers = [.. Enumerable.Range(0, 3).Select(_ => { using var k = SecretKey.Generate(); return k.PublicKey; })];

    // Letters in several cases and accents, digits, and separators, so words collide across forms ("Été", "ete").
    private static readonly Gen<char> TextChar = Gen.OneOfConst("aAbBeEéÉèçÇoOöüÜ01 ,.!-'".ToCharArray());
    private static readonly Gen<string> Text = Gen.String[TextChar, 0, 24];

    private static readonly Gen<StoredMessage> Message =
        Gen.Select(Gen.Int[0, Peers.Length - 1], Gen.Int[0, 20], Text, Gen.Bool)
            .Select((peer, minute, text, incoming) => new StoredMessage(
                Guid.NewGuid().ToString("N"), Peers[peer], incoming ? MessageDirection.Incoming : MessageDirection.Outgoing, text,
                DateTimeOffset.UnixEpoch.AddMinutes(minute), null, [], MessageStatus.Delivered));

    private sealed record Case(List<StoredMessage> Messages, List<int> Deleted, List<int> IndexedBeforeBuild, string Query, int? Peer, int Limit, int? After, int DenseMatches)
    {
        public override string ToString() =>
            $"query '{Query}', peer {Peer}, limit {Limit}, after message {After}, dense above {DenseMatches}, deleted [{string.Join(',', Deleted)}], messages: "
            + string.Join(" | ", Messages.Select(m => $"{Array.IndexOf(Peers, m.Peer)}@{m.Timestamp.Minute} '{m.Content}'"));
    }

    private static readonly Gen<Case> Cases =
        from messages in Message.List[0, 30]
        from deleted in Gen.Int[0, 40].List[0, 8]
        from split in Gen.Int[0, 30]
        from query in Gen.OneOf(Text, Gen.String[TextChar, 1, 4])
        from peer in Gen.Int[0, Peers.Length - 1].Nullable()
        from limit in Gen.Int[0, 12]
        from after in Gen.Int[0, 30].Nullable()
        from dense in Gen.Int[0, 8]
        select new Case(messages, deleted, [split], query, peer, limit, after, dense);

    [Fact]
    public async Task Search_AnyMessagesAndQuery_MatchesPlainReference()
    {
        await Cases.SampleAsync(async c =>
        {
            var store = new InMemoryMessagingStore();
            // Both ways of ranking: walking newest first (dense hits) and ranking the hits (few).
            var indexing = new SearchIndexingStore(store, c.DenseMatches);
            // Some messages are stored before the index is built, the rest after (fed through the store's writes).
            var split = Math.Min(c.IndexedBeforeBuild[0], c.Messages.Count);
            foreach (var m in c.Messages.Take(split))
            {
                await indexing.ApplyAsync([new InsertMessage(m)]);
            }

            await indexing.Search.EnsureBuiltAsync(default);
            foreach (var m in c.Messages.Skip(split))
            {
                await indexing.ApplyAsync([new InsertMessage(m)]);
            }

            var deleted = c.Deleted.Where(i => i < c.Messages.Count).Select(i => c.Messages[i].Id).ToHashSet();
            foreach (var m in c.Messages.Where(m => deleted.Contains(m.Id)))
            {
                await indexing.ApplyAsync([new RemoveMessage(m.Peer, m.Id)]);
            }

            var peer = c.Peer is { } p ? Peers[p] : (EndpointId?)null;
            var live = c.Messages.Where(m => !deleted.Contains(m.Id)).ToList();
            // The cursor is any live message (a page boundary), often one sharing its minute with others.
            var after = c.After is { } a && live.Count > 0 ? live[a % live.Count] : null;
            var actual = (await indexing.Search.SearchAsync(c.Query, peer, c.Limit, after?.Id, default)).Select(m => m.Id).ToList();
            var expected = Reference(live, c.Query, peer, c.Limit, after);
            Assert.Equal(expected, actual);
        }, iter: 2000);
    }

    [Theory]
    [InlineData("Café crème", "cafe", true)]
    [InlineData("Café crème", "CRE", true)]
    [InlineData("ÉTÉ à Zürich", "ete zur", true)]
    [InlineData("ÉTÉ à Zürich", "zurich été", true)]
    [InlineData("hello-world", "world", true)]
    [InlineData("hello world", "ello", false)]
    [InlineData("hello world", "hello there", false)]
    [InlineData("hello world", "!!!", false)]
    public async Task Search_Examples(string content, string query, bool found)
    {
        var indexing = new SearchIndexingStore(new InMemoryMessagingStore());
        var message = new StoredMessage("m1", Peers[0], MessageDirection.Incoming, content, DateTimeOffset.UnixEpoch, null, [], MessageStatus.Delivered);
        await indexing.ApplyAsync([new InsertMessage(message)]);
        var hits = await indexing.Search.SearchAsync(query, null, 10, null, default);
        Assert.Equal(found, hits.Count == 1);
    }

    [Fact]
    public async Task Search_InsertOfDeletedId_StaysHidden()
    {
        // The store keeps a tombstone and ignores a second insert of the id; the index must not resurrect it.
        var indexing = new SearchIndexingStore(new InMemoryMessagingStore());
        await indexing.Search.EnsureBuiltAsync(default);
        var message = new StoredMessage("m1", Peers[0], MessageDirection.Incoming, "tombstone test", DateTimeOffset.UnixEpoch, null, [], MessageStatus.Delivered);
        await indexing.ApplyAsync([new InsertMessage(message)]);
        await indexing.ApplyAsync([new RemoveMessage(Peers[0], "m1")]);
        await indexing.ApplyAsync([new InsertMessage(message)]);
        Assert.Empty(await indexing.Search.SearchAsync("tombstone", null, 10, null, default));
    }

    [Fact]
    public void Index_ManyDeletes_CompactsAndStillAnswers()
    {
        var index = new MessageSearchIndex();
        for (var i = 0; i < 5000; i++)
        {
            index.Add(new StoredMessage($"m{i}", Peers[i % 3], MessageDirection.Incoming, $"word{i} common", DateTimeOffset.UnixEpoch.AddSeconds(i), null, [], MessageStatus.Delivered));
        }

        var words = index.WordCount;
        for (var i = 0; i < 4000; i++)
        {
            index.Remove($"m{i}");
        }

        Assert.True(index.WordCount < words, "compaction forgot the words of deleted messages");
        Assert.Equal(1000, index.Count);
        Assert.Equal(["m4999", "m4998"], index.Query(["common"], null, null, 2));
        Assert.Empty(index.Query(["word1"], Peers[0], index.CursorAt("m4000"), 10));
    }

    /// <summary>
    /// Independent of <see cref="SearchText"/>: words are runs of letters, digits and marks in the original text;
    /// a query word matches when ICU's culture-invariant comparison, ignoring case and accents, finds it at the
    /// start of a word. Order: newest first, then greater id first.
    /// </summary>
    private static List<string> Reference(List<StoredMessage> live, string query, EndpointId? peer, int limit, StoredMessage? after)
    {
        var compare = CultureInfo.InvariantCulture.CompareInfo;
        const CompareOptions Loose = CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace;
        var terms = WordPattern().Matches(query).Select(m => m.Value).ToList();
        if (terms.Count == 0)
        {
            return [];
        }

        return live
            .Where(m => (peer is null || m.Peer == peer)
                && (after is null || m.Timestamp < after.Timestamp || (m.Timestamp == after.Timestamp && string.CompareOrdinal(m.Id, after.Id) < 0)))
            .Where(m =>
            {
                var words = WordPattern().Matches(m.Content).Select(w => w.Value).ToList();
                return terms.All(t => words.Any(w => compare.IsPrefix(w, t, Loose)));
            })
            .OrderByDescending(m => m.Timestamp).ThenByDescending(m => m.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(m => m.Id)
            .ToList();
    }

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*")]
    private static partial Regex WordPattern();
}
