using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

/// <summary>
/// The conversation list (schema 7, <see cref="ConversationSchema"/>): a sealed summary row per conversation, changed
/// by the writes of a batch in memory (<see cref="ConversationChange"/>) and written once at the end of the batch,
/// inside its savepoint, so a summary is never out of step with the messages it describes.
/// </summary>
public sealed partial class SqliteMessagingStore
{
    internal const string ConversationListSql = "SELECT peer_tag, summary FROM conversations;";

    // Summaries the batch being applied changed, by peer tag; written by FlushConversations, dropped on rollback.
    private readonly Dictionary<UInt128, ConversationChange> _conversationChanges = [];

    // The summary rows as committed, opened once by the first list and then kept by FlushConversations, so a list
    // opens nothing; null until read and after any rolled-back batch.
    private Dictionary<UInt128, (LastMessageRow Last, ConversationSummary Summary)>? _listed;

    /// <inheritdoc />
    /// <remarks>Reads only the summary rows: one small sealed blob per conversation, sorted here (their order is sealed).</remarks>
    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<ConversationSummary>>(() =>
        {
            _listed ??= ReadConversations();
            var list = _listed.Values.ToList();
            list.Sort((a, b) => CompareLast(b.Last.SentMs, b.Last.Seq, a.Last)); // newest last message first
            return list.ConvertAll(l => l.Summary);
        }, cancellationToken);

    private Dictionary<UInt128, (LastMessageRow Last, ConversationSummary Summary)> ReadConversations()
    {
        var rows = new List<(byte[] Tag, byte[] Sealed)>();
        using (var reader = Query(ConversationListSql))
        {
            while (reader.Read())
            {
                rows.Add(((byte[])reader.GetValue(0), (byte[])reader.GetValue(1)));
            }
        }

        var listed = new Dictionary<UInt128, (LastMessageRow Last, ConversationSummary Summary)>(rows.Count);
        foreach (var (tag, sealedRow) in rows)
        {
            var row = ConversationSchema.Open(_sealer, tag, sealedRow);
            listed[OrderKey(tag)] = Listed(PeerOf(tag, null), row.Last, row.Unread);
        }

        return listed;
    }

    private static (LastMessageRow Last, ConversationSummary Summary) Listed(EndpointId peer, LastMessageRow last, int unread) =>
        (last, new ConversationSummary(peer, last.ToMessage(peer), unread));

    /// <summary>After a message was inserted (not ignored) with arrival number <paramref name="seq"/>.</summary>
    private void NoteInserted(byte[] tag, long seq, StoredMessage message, SqliteTransaction transaction)
    {
        var change = ConversationOf(tag, message.Peer, transaction);
        change.Unread += IsUnread(message.Direction, message.Status) ? 1 : 0;
        if (!change.LastUnknown && (change.Last is null || CompareLast(message.Timestamp.ToUnixTimeMilliseconds(), seq, change.Last) > 0))
        {
            change.Last = LastMessageRow.From(seq, message);
        }
    }

    /// <summary>Before a live message's status is set (a write that changes nothing leaves the summary alone).</summary>
    private void NoteStatusChange(byte[] tag, EndpointId peer, string messageId, MessageStatus status, SqliteTransaction transaction)
    {
        long seq;
        MessageDirection direction;
        MessageStatus old;
        using (var reader = Prepare("SELECT seq, direction, status FROM messages WHERE id = $id AND peer_tag = $p AND deleted = 0;", transaction,
            [("$id", messageId), ("$p", tag)]).ExecuteReader())
        {
            if (!reader.Read())
            {
                return;
            }

            (seq, direction, old) = (reader.GetInt64(0), (MessageDirection)reader.GetInt32(1), (MessageStatus)reader.GetInt32(2));
        }

        if (old == status)
        {
            return;
        }

        var change = ConversationOf(tag, peer, transaction);
        change.Unread += (IsUnread(direction, status) ? 1 : 0) - (IsUnread(direction, old) ? 1 : 0);
        if (change.Last?.Seq == seq)
        {
            change.Last = change.Last with { Status = status };
        }
    }

    /// <summary>
    /// Read marks for a list of ids (a JSON array). The unary + keeps SQLite on the id index: on (peer_tag, deleted) it
    /// would walk the whole conversation.
    /// </summary>
    internal const string MarkReadSql =
        "UPDATE messages SET status = 2 WHERE +peer_tag = $p AND +deleted = 0 AND status <> 2 AND id IN (SELECT value FROM json_each($ids)) RETURNING seq, direction;";

    /// <summary>Most message ids bound to one mark-read statement (one JSON array parameter).</summary>
    private const int MarkReadChunk = 500;

    /// <summary>
    /// Sets the peer's live messages among <paramref name="messageIds"/> to read in one statement per
    /// <see cref="MarkReadChunk"/> ids (the same rows and summary change as one <see cref="SetMessageStatus"/> each:
    /// a row already read, deleted or of another peer is left alone; each incoming row that changes leaves the unread
    /// count). Marking a conversation of a hundred unread messages read cost two statements per message before.
    /// </summary>
    private void MarkRead(EndpointId peer, IReadOnlyList<string> messageIds, SqliteTransaction transaction)
    {
        var tag = _directory.Tag(peer);
        foreach (var chunk in messageIds.Chunk(MarkReadChunk))
        {
            var ids = JsonSerializer.Serialize(chunk, StorageJsonContext.Default.StringArray);
            var changed = new List<(long Seq, MessageDirection Direction)>();
            using (var reader = Prepare(
                MarkReadSql,
                transaction, [("$p", tag), ("$ids", ids)]).ExecuteReader())
            {
                while (reader.Read())
                {
                    changed.Add((reader.GetInt64(0), (MessageDirection)reader.GetInt32(1)));
                }
            }

            if (changed.Count == 0)
            {
                continue;
            }

            var change = ConversationOf(tag, peer, transaction);
            foreach (var (seq, direction) in changed)
            {
                change.Unread -= direction == MessageDirection.Incoming ? 1 : 0;
                if (change.Last?.Seq == seq)
                {
                    change.Last = change.Last with { Status = MessageStatus.Read };
                }
            }
        }
    }

    /// <summary>Before a live message of the peer is deleted: it leaves the unread count and maybe the summary.</summary>
    private void NoteRemoval(byte[] tag, EndpointId peer, string messageId, SqliteTransaction transaction)
    {
        long seq;
        MessageDirection direction;
        MessageStatus status;
        using (var reader = Prepare("SELECT seq, direction, status FROM messages WHERE id = $id AND peer_tag = $p AND deleted = 0;", transaction,
            [("$id", messageId), ("$p", tag)]).ExecuteReader())
        {
            if (!reader.Read())
            {
                return;
            }

            (seq, direction, status) = (reader.GetInt64(0), (MessageDirection)reader.GetInt32(1), (MessageStatus)reader.GetInt32(2));
        }

        var change = ConversationOf(tag, peer, transaction);
        change.Unread -= IsUnread(direction, status) ? 1 : 0;
        if (change.Last?.Seq == seq)
        {
            // The next newest is found once at the end of the batch (a conversation delete removes many in a row).
            change.Last = null;
            change.LastUnknown = true;
        }
    }

    /// <summary>Writes the summaries the batch changed; called inside the batch's savepoint.</summary>
    private void FlushConversations(SqliteTransaction transaction)
    {
        foreach (var change in _conversationChanges.Values)
        {
            if (change.LastUnknown)
            {
                change.Last = NewestLiveSeq(change.Tag, transaction) is { } seq ? LastMessageRow.From(seq, MessageAt(seq, transaction)) : null;
            }

            if (change.Last is null)
            {
                Run(transaction, "DELETE FROM conversations WHERE peer_tag = $p;", ("$p", change.Tag));
                _listed?.Remove(OrderKey(change.Tag));
            }
            else
            {
                if (_listed is not null)
                {
                    _listed[OrderKey(change.Tag)] = Listed(change.Peer, change.Last, change.Unread);
                }

                var row = new ConversationRow(ConversationRow.CurrentVersion, change.Unread, change.Last);
                Run(transaction, "INSERT INTO conversations(peer_tag, summary) VALUES($p, $s) ON CONFLICT(peer_tag) DO UPDATE SET summary = excluded.summary;",
                    ("$p", change.Tag), ("$s", ConversationSchema.Seal(_sealer, change.Tag, row)));
            }
        }

        _conversationChanges.Clear();
    }

    /// <summary>
    /// Migration 6 -> 7, after <see cref="BuildOrder"/>: a summary row for every conversation with live messages, its
    /// newest message found by position, inside the migration's transaction.
    /// </summary>
    private void BuildConversations(SqliteTransaction transaction)
    {
        var conversations = new List<(byte[] Tag, int Unread)>();
        using (var reader = Prepare("SELECT peer_tag, SUM(direction = 1 AND status <> 2) FROM messages WHERE deleted = 0 GROUP BY peer_tag;", transaction, [])
            .ExecuteReader())
        {
            while (reader.Read())
            {
                conversations.Add(((byte[])reader.GetValue(0), (int)reader.GetInt64(1)));
            }
        }

        foreach (var (tag, unread) in conversations)
        {
            var seq = NewestLiveSeq(tag, transaction) ?? throw new InvalidDataException("A conversation has no newest message.");
            var last = LastMessageRow.From(seq, MessageAt(seq, transaction));
            Run(transaction, "INSERT INTO conversations(peer_tag, summary) VALUES($p, $s);", ("$p", tag),
                ("$s", ConversationSchema.Seal(_sealer, tag, new ConversationRow(ConversationRow.CurrentVersion, unread, last))));
        }
    }

    private ConversationChange ConversationOf(byte[] tag, EndpointId peer, SqliteTransaction transaction)
    {
        if (!_conversationChanges.TryGetValue(OrderKey(tag), out var change))
        {
            ConversationRow? row = null;
            using (var reader = Prepare("SELECT summary FROM conversations WHERE peer_tag = $p;", transaction, [("$p", tag)]).ExecuteReader())
            {
                if (reader.Read())
                {
                    row = ConversationSchema.Open(_sealer, tag, (byte[])reader.GetValue(0));
                }
            }

            change = new ConversationChange(tag, peer) { Unread = row?.Unread ?? 0, Last = row?.Last };
            _conversationChanges[OrderKey(tag)] = change;
        }

        return change;
    }

    private StoredMessage MessageAt(long seq, SqliteTransaction transaction) =>
        QueryMessages(transaction, $"SELECT {MessageColumns} FROM messages WHERE seq = $s;", ("$s", seq)).Single();

    /// <summary>Orders (time, arrival) against a summary's last message, as <see cref="MessageKey.Order"/> does.</summary>
    private static int CompareLast(long sentMs, long seq, LastMessageRow last) =>
        sentMs != last.SentMs ? sentMs.CompareTo(last.SentMs) : seq.CompareTo(last.Seq);

    private static bool IsUnread(MessageDirection direction, MessageStatus status) => direction == MessageDirection.Incoming && status != MessageStatus.Read;

    /// <summary>A conversation's summary as the batch being applied leaves it.</summary>
    private sealed class ConversationChange(byte[] tag, EndpointId peer)
    {
        public byte[] Tag { get; } = tag;

        public EndpointId Peer { get; } = peer;

        public int Unread { get; set; }

        /// <summary>The newest live message; null with <see cref="LastUnknown"/> false: none left.</summary>
        public LastMessageRow? Last { get; set; }

        /// <summary>The newest message was deleted: the next one is looked up when the summary is written.</summary>
        public bool LastUnknown { get; set; }
    }
}
