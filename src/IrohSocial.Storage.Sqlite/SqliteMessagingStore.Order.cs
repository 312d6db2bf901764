using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

/// <summary>
/// A conversation's display order (schema 7): times are sealed, so SQLite cannot sort by them; instead each message
/// row gets a clear position <c>ord</c> when it is inserted, increasing with (time, arrival) within its conversation,
/// and pages, unread ids and the newest message are read through the index on (peer tag, ord) without opening a time.
/// An insert opens one time (the conversation's newest, kept in memory) when it comes last, which is the usual case;
/// one that belongs earlier (a delayed message, a skewed clock) opens about log2(n) times to find its place, takes the
/// middle of the gap between its neighbours and renumbers the conversation when no gap is left.
/// </summary>
/// <remarks>
/// Positions are <see cref="OrderGap"/> apart when assigned in sequence, so about 20 messages can land between two
/// neighbours before a renumbering. Tombstones keep their position (a paging cursor on a deleted message still works);
/// a tombstone of an id never stored here has none. What a position shows a reader of the file: docs/security.md.
/// </remarks>
public sealed partial class SqliteMessagingStore
{
    internal const long OrderGap = 1L << 20;

    // The reads by position (their query plans are pinned by a test: one index, no sort, no scan of other conversations).
    internal const string PageSql =
        $"SELECT {MessageColumns} FROM messages WHERE peer_tag = $p AND deleted = 0 AND ord < $o ORDER BY ord DESC LIMIT $n;";
    internal const string NewestLiveSql = "SELECT seq FROM messages WHERE peer_tag = $p AND deleted = 0 ORDER BY ord DESC LIMIT 1;";
    // INDEXED BY: without statistics SQLite prefers the order index (two equalities) and would visit every row.
    internal const string UnreadIdsSql =
        "SELECT id FROM messages INDEXED BY ix_messages_unread WHERE peer_tag = $p AND deleted = 0 AND direction = 1 AND status <> 2 ORDER BY ord;";
    internal const string IdsSql = "SELECT id FROM messages WHERE peer_tag = $p AND deleted = 0 ORDER BY ord;";

    // The newest positioned row of each conversation written so far (peer tag -> its position and key); dropped with
    // any rolled-back batch, rebuilt from the index on the next insert.
    private readonly Dictionary<UInt128, (long Ord, MessageKey Key)> _tails = [];

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync<IReadOnlyList<StoredMessage>>(() =>
        {
            var tag = _directory.Tag(peer);
            var before = long.MaxValue;
            if (beforeMessageId is not null)
            {
                // Deleted rows stay as tombstones with their position, so a cursor on a message deleted since its page
                // was read still works; a tombstone of an id never stored here (a delete that came first) has no
                // position and is refused like an unknown id, as the in-memory store does.
                using var at = Query("SELECT ord FROM messages WHERE id = $id AND peer_tag = $p;", ("$id", beforeMessageId), ("$p", tag));
                if (!at.Read() || at.IsDBNull(0))
                {
                    throw new ArgumentException("No message with this id was stored in this conversation.", nameof(beforeMessageId));
                }

                before = at.GetInt64(0);
            }

            var page = QueryMessages(PageSql, ("$p", tag), ("$o", before), ("$n", limit));
            page.Reverse();
            return page;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(() => MessageIds(peer, UnreadIdsSql), cancellationToken);

    /// <summary>Ids of the peer's live messages read by <paramref name="sql"/> (<see cref="IdsSql"/> or <see cref="UnreadIdsSql"/>), oldest first.</summary>
    private List<string> MessageIds(EndpointId peer, string sql)
    {
        var ids = new List<string>();
        using var reader = Query(sql, ("$p", _directory.Tag(peer)));
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The arrival number of the peer's newest live message, if any (no time is opened).</summary>
    private long? NewestLiveSeq(byte[] tag, SqliteTransaction transaction) =>
        Prepare(NewestLiveSql, transaction, [("$p", tag)]).ExecuteScalar() as long?;

    /// <summary>Gives a just-inserted message its position in the conversation.</summary>
    private void Place(byte[] tag, EndpointId peer, MessageKey key, SqliteTransaction transaction)
    {
        var tail = Tail(tag, peer, transaction);
        long ord;
        if (tail is null || MessageKey.Order.Compare(key, tail.Value.Key) > 0)
        {
            ord = tail is null ? 0 : tail.Value.Ord + OrderGap;
            _tails[OrderKey(tag)] = (ord, key);
        }
        else
        {
            ord = PlaceBefore(tag, peer, key, transaction);
        }

        Run(transaction, "UPDATE messages SET ord = $o WHERE seq = $s;", ("$o", ord), ("$s", key.Seq));
    }

    private (long Ord, MessageKey Key)? Tail(byte[] tag, EndpointId peer, SqliteTransaction transaction)
    {
        if (_tails.TryGetValue(OrderKey(tag), out var known))
        {
            return known;
        }

        // The newest of the live rows and of the tombstones: one index seek each.
        (long Ord, long Seq, string Id, byte[] Sent)? newest = null;
        foreach (var deleted in (ReadOnlySpan<int>)[0, 1])
        {
            using var reader = Prepare("SELECT ord, seq, id, sent FROM messages WHERE peer_tag = $p AND deleted = $d AND ord IS NOT NULL ORDER BY ord DESC LIMIT 1;",
                transaction, [("$p", tag), ("$d", deleted)]).ExecuteReader();
            if (reader.Read() && (newest is null || reader.GetInt64(0) > newest.Value.Ord))
            {
                newest = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (byte[])reader.GetValue(3));
            }
        }

        if (newest is not { } row)
        {
            return null;
        }

        var tail = (row.Ord, new MessageKey(row.Seq, row.Id, OpenTime(row.Id, peer, row.Sent)));
        _tails[OrderKey(tag)] = tail;
        return tail;
    }

    /// <summary>A position for a message that sorts before the conversation's newest: between its two neighbours.</summary>
    private long PlaceBefore(byte[] tag, EndpointId peer, MessageKey key, SqliteTransaction transaction)
    {
        var rows = new List<(long Ord, long Seq, string Id, byte[] Sent)>();
        using (var reader = Prepare("SELECT ord, seq, id, sent FROM messages WHERE peer_tag = $p AND ord IS NOT NULL;", transaction,
            [("$p", tag)]).ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (byte[])reader.GetValue(3)));
            }
        }

        rows.Sort((a, b) => a.Ord.CompareTo(b.Ord));
        var last = rows[^1];
        if (MessageKey.Order.Compare(new MessageKey(last.Seq, last.Id, OpenTime(last.Id, peer, last.Sent)), key) < 0)
        {
            _tails.Remove(OrderKey(tag)); // the kept tail was stale (its row was removed): this one comes last after all
            return last.Ord + OrderGap;
        }

        // The first row that sorts after the new message, opening only the times the search visits.
        int low = 0, high = rows.Count - 1; // rows[high] sorts after it
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            var row = rows[mid];
            if (MessageKey.Order.Compare(new MessageKey(row.Seq, row.Id, OpenTime(row.Id, peer, row.Sent)), key) > 0)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        var next = rows[high].Ord;
        var previous = high == 0 ? next - (2 * OrderGap) : rows[high - 1].Ord;
        if (next - previous >= 2)
        {
            return previous + ((next - previous) / 2);
        }

        // No gap left here: spread the conversation out again, leaving the new message's place free.
        for (var i = 0; i < rows.Count; i++)
        {
            Run(transaction, "UPDATE messages SET ord = $o WHERE seq = $s;", ("$o", (i < high ? i : i + 1) * OrderGap), ("$s", rows[i].Seq));
        }

        _tails.Remove(OrderKey(tag));
        return high * OrderGap;
    }

    /// <summary>
    /// Migration 6 -> 7: positions for every row with a time (live messages and tombstones of stored ones), from one
    /// pass that opens each time once; the index is built after, in the same transaction.
    /// </summary>
    private void BuildOrder(SqliteTransaction transaction)
    {
        var peers = new Dictionary<UInt128, EndpointId?>();
        var keys = new Dictionary<UInt128, List<(long SentMs, long Seq)>>();
        using (var reader = Prepare("SELECT peer_tag, seq, id, sent, deleted FROM messages WHERE sent IS NOT NULL;", transaction, []).ExecuteReader())
        {
            while (reader.Read())
            {
                var tag = (byte[])reader.GetValue(0);
                if (!peers.TryGetValue(OrderKey(tag), out var peer))
                {
                    peer = TryPeerOf(tag, transaction);
                    peers[OrderKey(tag)] = peer;
                }

                if (peer is null && reader.GetInt32(4) == 1)
                {
                    continue; // a tombstone of a peer with no other row (left by an old version): it keeps no position
                }

                var id = reader.GetString(2);
                if (!keys.TryGetValue(OrderKey(tag), out var list))
                {
                    keys[OrderKey(tag)] = list = [];
                }

                list.Add((OpenTime(id, peer ?? PeerOf(tag, transaction), (byte[])reader.GetValue(3)), reader.GetInt64(1)));
            }
        }

        var positions = new Dictionary<long, long>(keys.Values.Sum(l => l.Count));
        foreach (var list in keys.Values)
        {
            list.Sort();
            for (var i = 0; i < list.Count; i++)
            {
                positions[list[i].Seq] = i * OrderGap;
            }
        }

        // One pass over the table in rowid order (a statement per row would visit each page once per conversation).
        _connection.CreateFunction("iroh_message_ord", (long seq) => positions.TryGetValue(seq, out var ord) ? ord : (long?)null);
        try
        {
            Run(transaction, "UPDATE messages SET ord = iroh_message_ord(seq) WHERE sent IS NOT NULL;");
        }
        finally
        {
            _connection.CreateFunction("iroh_message_ord", (Func<long, long?>?)null);
        }

        Run(transaction, ConversationSchema.OrderIndex);
    }

    private EndpointId? TryPeerOf(byte[] tag, SqliteTransaction transaction)
    {
        using var reader = Prepare("SELECT 1 FROM peer_directory WHERE tag = $t;", transaction, [("$t", tag)]).ExecuteReader();
        return reader.Read() ? PeerOf(tag, transaction) : null;
    }
}
