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
    private const string GroupMessageColumns = "id, group_id, direction, timestamp_ms, status, body";

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
                Run(transaction, "INSERT OR IGNORE INTO group_messages(id, group_id, direction, timestamp_ms, status, body) VALUES($id, $g, $d, $t, $s, $b);",
                    ("$id", msg.Id), ("$g", msg.Group.ToArray()), ("$d", (int)msg.Direction), ("$t", msg.Timestamp.ToUnixTimeMilliseconds()),
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
            var (time, seq) = (long.MaxValue, long.MaxValue);
            if (beforeMessageId is not null)
            {
                using var at = Query("SELECT timestamp_ms, seq FROM group_messages WHERE id = $id AND group_id = $g;", ("$id", beforeMessageId), ("$g", group.ToArray()));
                if (!at.Read())
                {
                    throw new ArgumentException("No message with this id was stored in this group.", nameof(beforeMessageId));
                }

                (time, seq) = (at.GetInt64(0), at.GetInt64(1));
            }

            var rows = QueryGroupMessages(
                $"SELECT {GroupMessageColumns} FROM group_messages WHERE group_id = $g AND (timestamp_ms < $t OR (timestamp_ms = $t AND seq < $s)) " +
                "ORDER BY timestamp_ms DESC, seq DESC LIMIT $l;",
                ("$g", group.ToArray()), ("$t", time), ("$s", seq), ("$l", limit));
            rows.Reverse();
            return rows;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GroupMessage>> GetUnreadGroupMessagesAsync(GroupId group, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<GroupMessage>>(() => QueryGroupMessages(
            $"SELECT {GroupMessageColumns} FROM group_messages WHERE group_id = $g AND direction = 1 AND status <> 2 ORDER BY timestamp_ms, seq;",
            ("$g", group.ToArray())), cancellationToken);

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
        var body = JsonSerializer.Deserialize(_sealer.Open((byte[])reader.GetValue(5), GroupMessageBinding(id)), GroupStorageJsonContext.Default.GroupMessageBody)
            ?? throw new InvalidDataException($"Group message {id} has an empty body.");
        return new GroupMessage(id, new GroupId((byte[])reader.GetValue(1)), EndpointId.Parse(body.Sender), (MessageDirection)reader.GetInt32(2), body.Content,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), body.ReplyTo, body.Attachments ?? [], (MessageStatus)reader.GetInt32(4),
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
