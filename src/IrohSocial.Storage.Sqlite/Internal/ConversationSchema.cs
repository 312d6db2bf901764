using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Schema 7, "conversation summaries": one <c>conversations</c> row per conversation with at least one live message,
/// keyed by the peer's blind index. Everything else (unread count, the last message's position, id, time, status and
/// text) is one sealed blob bound to the tag, so the conversation list opens 1,000 small blobs instead of ordering a
/// million sealed times, and a reader of the file learns nothing the <c>messages</c> table does not already show
/// (docs/security.md). The store keeps each row in the transaction of every write that changes it; the migration
/// builds the rows from the messages inside the migration's transaction.
/// </summary>
internal static class ConversationSchema
{
    public const int Version = 7;

    // WITHOUT ROWID, keyed by the tag: the rows' physical order is the tags' (random), not the order of activity.
    // Messages get their clear position in the conversation (SqliteMessagingStore.Order.cs); the store fills it and
    // then creates OrderIndex, which replaces schema 5's index by arrival.
    public const string Migration =
        """
        CREATE TABLE conversations (peer_tag BLOB PRIMARY KEY, summary BLOB NOT NULL) WITHOUT ROWID;
        ALTER TABLE messages ADD COLUMN ord INTEGER NULL;
        DROP INDEX ix_messages_peer;
        """;

    /// <summary>
    /// Pages and the newest message of a conversation come from the first index in display order, unread ids from the
    /// second, which holds only unread incoming messages (mark-read reads no other row of a big conversation).
    /// </summary>
    public const string OrderIndex =
        """
        CREATE INDEX ix_messages_order ON messages(peer_tag, deleted, ord);
        CREATE INDEX ix_messages_unread ON messages(peer_tag, ord) WHERE deleted = 0 AND direction = 1 AND status <> 2;
        """;

    /// <summary>Binds a summary to its conversation's tag, so it cannot be moved to another conversation.</summary>
    public static byte[] Binding(ReadOnlySpan<byte> tag) => Encoding.ASCII.GetBytes("conversations/1:" + Convert.ToHexStringLower(tag));

    public static byte[] Seal(AtRestSealer sealer, ReadOnlySpan<byte> tag, ConversationRow row) =>
        sealer.Seal(JsonSerializer.SerializeToUtf8Bytes(row, StorageJsonContext.Default.ConversationRow), Binding(tag));

    /// <exception cref="System.Security.Cryptography.CryptographicException">The row was altered or moved.</exception>
    /// <exception cref="InvalidDataException">The row opened but holds no summary.</exception>
    public static ConversationRow Open(AtRestSealer sealer, ReadOnlySpan<byte> tag, byte[] sealedRow)
    {
        try
        {
            var row = JsonSerializer.Deserialize(sealer.Open(sealedRow, Binding(tag)), StorageJsonContext.Default.ConversationRow);
            return row is { Version: ConversationRow.CurrentVersion, Unread: >= 0, Last: not null } && RowCodec.IsValidTime(row.Last.SentMs)
                ? row
                : throw new InvalidDataException("A conversation row holds no summary.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("A conversation row holds no summary.", ex);
        }
    }
}

/// <summary>The sealed part of a <c>conversations</c> row.</summary>
internal sealed record ConversationRow(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("unread")] int Unread,
    [property: JsonPropertyName("last")] LastMessageRow Last)
{
    public const int CurrentVersion = 1;
}

/// <summary>The conversation's newest live message (by time, then arrival <see cref="Seq"/>), whole, as the list shows it.</summary>
internal sealed record LastMessageRow(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("sent_ms")] long SentMs,
    [property: JsonPropertyName("direction")] MessageDirection Direction,
    [property: JsonPropertyName("status")] MessageStatus Status,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("reply_to")] string? ReplyTo,
    [property: JsonPropertyName("attachments")] IReadOnlyList<MediaAttachment> Attachments)
{
    public static LastMessageRow From(long seq, StoredMessage message) =>
        new(seq, message.Id, message.Timestamp.ToUnixTimeMilliseconds(), message.Direction, message.Status, message.Content, message.ReplyTo, message.Attachments);

    public StoredMessage ToMessage(EndpointId peer) =>
        new(Id, peer, Direction, Content, DateTimeOffset.FromUnixTimeMilliseconds(SentMs), ReplyTo, Attachments ?? [], Status);
}
