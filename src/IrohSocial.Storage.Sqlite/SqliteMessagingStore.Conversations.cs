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
    // Summaries the batch being applied changed, by peer tag; written by FlushConversations, dropped on rollback.
    private readonly Dictionary<UInt128, ConversationChange> _conversationChanges = [];

    /// <inheritdoc />
    /// <remarks>Reads only the summary rows: one small sealed blob per conversation, sorted here (their order is sealed).</remarks>
    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<ConversationSummary>>(() =>
        {
            var rows = new List<(byte[] Tag, byte[] Sealed)>();
            using (var reader = Query("SELECT peer_tag, summary FROM conversations;"))
            {
                while (reader.Read())
                {
                    rows.Add(((byte[])reader.GetValue(0), (byte[])reader.GetValue(1)));
                }
            }

            var list = new List<(LastMessageRow Last, ConversationSummary Summary)>(rows.Count);
            foreach (var (tag, sealedRow) in rows)
            {
                var row = ConversationSchema.Open(_sealer, tag, sealedRow);
                var peer = PeerOf(tag, null);
                list.Add((row.Last, new ConversationSummary(peer, row.Last.ToMessage(peer), row.Unread)));
            }

            list.Sort((a, b) => CompareLast(b.Last.SentMs, b.Last.Seq, a.Last)); // newest last message first
            return list.ConvertAll(l => l.Summary);
        }, cancellationToken);

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

    /// <summary>Before a live message of the peer is deleted: it leaves the unread count, the kept order and maybe the summary.</summary>
    private void NoteRemoval(byte[] tag, EndpointId peer, string messageId, SqliteTransaction transaction)
    {
        long seq;
        MessageDirection direction;
        MessageStatus status;
        byte[] sent;
        using (var reader = Prepare("SELECT seq, direction, status, sent FROM messages WHERE id = $id AND peer_tag = $p AND deleted = 0;", transaction,
            [("$id", messageId), ("$p", tag)]).ExecuteReader())
        {
            if (!reader.Read())
            {
                return;
            }

            (seq, direction, status, sent) = (reader.GetInt64(0), (MessageDirection)reader.GetInt32(1), (MessageStatus)reader.GetInt32(2), (byte[])reader.GetValue(3));
        }

        if (_orders.TryGetValue(OrderKey(tag), out var order))
        {
            var at = order.BinarySearch(new MessageKey(seq, messageId, OpenTime(messageId, peer, sent)), MessageKey.Order);
            if (at >= 0)
            {
                order.RemoveAt(at);
            }
            else
            {
                _orders.Remove(OrderKey(tag));
            }
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
                var order = MessageOrder(change.Peer, unreadOnly: false, transaction);
                change.Last = order.Count == 0 ? null : LastMessageRow.From(order[^1].Seq, MessageAt(order[^1].Seq, transaction));
            }

            if (change.Last is null)
            {
                Run(transaction, "DELETE FROM conversations WHERE peer_tag = $p;", ("$p", change.Tag));
            }
            else
            {
                var row = new ConversationRow(ConversationRow.CurrentVersion, change.Unread, change.Last);
                Run(transaction, "INSERT INTO conversations(peer_tag, summary) VALUES($p, $s) ON CONFLICT(peer_tag) DO UPDATE SET summary = excluded.summary;",
                    ("$p", change.Tag), ("$s", ConversationSchema.Seal(_sealer, change.Tag, row)));
            }
        }

        _conversationChanges.Clear();
    }

    /// <summary>
    /// Migration 6 -> 7: a summary row for every conversation with live messages, from one pass over the messages
    /// (opening every sealed time once), inside the migration's transaction.
    /// </summary>
    private void BuildConversations(SqliteTransaction transaction)
    {
        var conversations = new Dictionary<UInt128, (byte[] Tag, EndpointId Peer, MessageKey Last, int Unread)>();
        using (var reader = Prepare("SELECT DISTINCT peer_tag FROM messages WHERE deleted = 0;", transaction, []).ExecuteReader())
        {
            while (reader.Read())
            {
                var tag = (byte[])reader.GetValue(0);
                conversations[OrderKey(tag)] = (tag, default, new MessageKey(long.MinValue, "", long.MinValue), 0);
            }
        }

        foreach (var (key, value) in conversations.ToList())
        {
            conversations[key] = value with { Peer = PeerOf(value.Tag, transaction) };
        }

        using (var reader = Prepare("SELECT peer_tag, seq, id, direction, status, sent FROM messages WHERE deleted = 0;", transaction, []).ExecuteReader())
        {
            while (reader.Read())
            {
                var key = OrderKey((byte[])reader.GetValue(0));
                var conversation = conversations[key];
                var id = reader.GetString(2);
                var message = new MessageKey(reader.GetInt64(1), id, OpenTime(id, conversation.Peer, (byte[])reader.GetValue(5)));
                var unread = IsUnread((MessageDirection)reader.GetInt32(3), (MessageStatus)reader.GetInt32(4)) ? 1 : 0;
                conversations[key] = conversation with
                {
                    Last = MessageKey.Order.Compare(message, conversation.Last) > 0 ? message : conversation.Last,
                    Unread = conversation.Unread + unread,
                };
            }
        }

        foreach (var conversation in conversations.Values)
        {
            var last = LastMessageRow.From(conversation.Last.Seq, MessageAt(conversation.Last.Seq, transaction));
            Run(transaction, "INSERT INTO conversations(peer_tag, summary) VALUES($p, $s);", ("$p", conversation.Tag),
                ("$s", ConversationSchema.Seal(_sealer, conversation.Tag, new ConversationRow(ConversationRow.CurrentVersion, conversation.Unread, last))));
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
