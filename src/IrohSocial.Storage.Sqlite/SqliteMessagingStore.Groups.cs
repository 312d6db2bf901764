using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

public sealed partial class SqliteMessagingStore : IGroupStore
{
    private const string GroupMessageColumns = "id, group_id, direction, sent, status, body";

    private void ApplyGroup(GroupStoreOperation operation, SqliteTransaction transaction)
    {
        switch (operation)
        {
            case SaveGroup s:
                var group = s.Group;
                Run(transaction, "INSERT INTO groups(group_id, revision, data) VALUES($g, $r, $d) " +
                    "ON CONFLICT(group_id) DO UPDATE SET revision = excluded.revision, data = excluded.data WHERE excluded.revision > groups.revision;",
                    ("$g", group.Group.ToArray()), ("$r", group.Revision), ("$d", _sealer.Seal(group.Data, GroupBinding(group.Group))));
                break;
            case InsertGroupMessage m:
                var msg = m.Message;
                Run(transaction, "INSERT OR IGNORE INTO group_messages(id, group_id, direction, sent, status, body) VALUES($id, $g, $d, $t, $s, $b);",
                    ("$id", msg.Id), ("$g", msg.Group.ToArray()), ("$d", (int)msg.Direction),
                    ("$t", _sealer.Seal(RowCodec.EncodeTime(msg.Timestamp.ToUnixTimeMilliseconds()), RowCodec.GroupMessageTimeBinding(msg.Id, msg.Group))),
                    ("$s", (int)msg.Status), ("$b", SealGroupMessage(msg)));
                break;
            case SetGroupMessageStatus s:
                Run(transaction, "UPDATE group_messages SET status = $s WHERE id = $id;", ("$s", (int)s.Status), ("$id", s.MessageId));
                break;
            case SetGroupReceipt r:
                // Read-modify-write inside the batch's transaction: the receipts are sealed with the body.
                GroupMessage? current;
                using (var reader = Prepare($"SELECT {GroupMessageColumns} FROM group_messages WHERE id = $id;", transaction, [("$id", r.MessageId)]).ExecuteReader())
                {
                    current = reader.Read() ? ReadGroupMessage(reader) : null;
                }

                if (current is not null && GroupReceipts.Apply(current, r) is var updated && !ReferenceEquals(updated, current))
                {
                    Run(transaction, "UPDATE group_messages SET status = $s, body = $b WHERE id = $id;",
                        ("$s", (int)updated.Status), ("$b", SealGroupMessage(updated)), ("$id", r.MessageId));
                }

                break;
            default:
                throw new ArgumentException($"Unknown store operation {operation.GetType().Name}.", nameof(operation));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupRecord>> GetGroupsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<GroupRecord>>(() =>
        {
            var result = new List<GroupRecord>();
            using var reader = Query("SELECT group_id, revision, data FROM groups;");
            while (reader.Read())
            {
                var id = new GroupId((byte[])reader.GetValue(0));
                result.Add(new GroupRecord(id, reader.GetInt64(1), _sealer.Open((byte[])reader.GetValue(2), GroupBinding(id))));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<GroupMessage?> GetGroupMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() => QueryGroupMessages($"SELECT {GroupMessageColumns} FROM group_messages WHERE id = $id;", ("$id", messageId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ContainsGroupMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM group_messages WHERE id = $id;", ("$id", messageId));
            return reader.Read();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupMessage>> GetGroupMessagesAsync(GroupId group, int limit, string? beforeMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync<IReadOnlyList<GroupMessage>>(() =>
        {
            var cursor = new MessageKey(long.MaxValue, "", long.MaxValue);
            if (beforeMessageId is not null)
            {
                long seq;
                byte[] sent;
                using (var at = Query("SELECT seq, sent FROM group_messages WHERE id = $id AND group_id = $g;", ("$id", beforeMessageId), ("$g", group.ToArray())))
                {
                    if (!at.Read())
                    {
                        throw new ArgumentException("No message with this id was stored in this group.", nameof(beforeMessageId));
                    }

                    (seq, sent) = (at.GetInt64(0), (byte[])at.GetValue(1));
                }

                cursor = new MessageKey(seq, beforeMessageId, OpenGroupTime(beforeMessageId, group, sent));
            }

            // Times are sealed, so the order is found after opening them, as for direct messages.
            var keys = GroupOrder(group, unreadOnly: false).Where(k => MessageKey.Order.Compare(k, cursor) < 0).ToList();
            return keys.Skip(Math.Max(0, keys.Count - limit))
                .Select(k => QueryGroupMessages($"SELECT {GroupMessageColumns} FROM group_messages WHERE seq = $s;", ("$s", k.Seq)).Single())
                .ToList();
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupMessage>> GetUnreadGroupMessagesAsync(GroupId group, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<GroupMessage>>(() => GroupOrder(group, unreadOnly: true)
            .Select(k => QueryGroupMessages($"SELECT {GroupMessageColumns} FROM group_messages WHERE seq = $s;", ("$s", k.Seq)).Single())
            .ToList(), cancellationToken);

    /// <summary>The group's messages (or only the unread incoming ones) oldest first; opens only their times.</summary>
    private List<MessageKey> GroupOrder(GroupId group, bool unreadOnly)
    {
        var keys = new List<MessageKey>();
        var sql = unreadOnly
            ? "SELECT seq, id, sent FROM group_messages WHERE group_id = $g AND direction = 1 AND status <> 2;"
            : "SELECT seq, id, sent FROM group_messages WHERE group_id = $g;";
        using (var reader = Query(sql, ("$g", group.ToArray())))
        {
            while (reader.Read())
            {
                var id = reader.GetString(1);
                keys.Add(new MessageKey(reader.GetInt64(0), id, OpenGroupTime(id, group, (byte[])reader.GetValue(2))));
            }
        }

        keys.Sort(MessageKey.Order);
        return keys;
    }

    private long OpenGroupTime(string id, GroupId group, byte[] sealedTime) =>
        RowCodec.TryDecodeTime(_sealer.Open(sealedTime, RowCodec.GroupMessageTimeBinding(id, group)), out var ms)
            ? ms
            : throw new InvalidDataException($"Group message {id} has no valid time.");

    private List<GroupMessage> QueryGroupMessages(string sql, params (string Name, object Value)[] parameters)
    {
        var result = new List<GroupMessage>();
        using var reader = Query(sql, parameters);
        while (reader.Read())
        {
            result.Add(ReadGroupMessage(reader));
        }

        return result;
    }

    private GroupMessage ReadGroupMessage(SqliteDataReader reader)
    {
        var id = reader.GetString(0);
        var group = new GroupId((byte[])reader.GetValue(1));
        var body = JsonSerializer.Deserialize(_sealer.Open((byte[])reader.GetValue(5), GroupMessageBinding(id)), GroupStorageJsonContext.Default.GroupMessageBody)
            ?? throw new InvalidDataException($"Group message {id} has an empty body.");
        return new GroupMessage(id, group, EndpointId.Parse(body.Sender), (MessageDirection)reader.GetInt32(2), body.Content,
            DateTimeOffset.FromUnixTimeMilliseconds(OpenGroupTime(id, group, (byte[])reader.GetValue(3))), body.ReplyTo, body.Attachments ?? [], (MessageStatus)reader.GetInt32(4),
            (body.Receipts ?? new Dictionary<string, MessageStatus>()).ToDictionary(p => EndpointId.Parse(p.Key), p => p.Value));
    }

    private byte[] SealGroupMessage(GroupMessage message)
    {
        var body = new GroupMessageBody(message.Sender.ToString(), message.Content, message.ReplyTo, message.Attachments,
            message.Receipts.ToDictionary(p => p.Key.ToString(), p => p.Value));
        return _sealer.Seal(JsonSerializer.SerializeToUtf8Bytes(body, GroupStorageJsonContext.Default.GroupMessageBody), GroupMessageBinding(message.Id));
    }

    private static byte[] GroupBinding(GroupId group) => Encoding.ASCII.GetBytes("groups:" + group);

    private static byte[] GroupMessageBinding(string id) => Encoding.UTF8.GetBytes("group_messages:" + id);
}
