using System.Text.Json.Serialization;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// The group tables (migration "groups"). Group state is one sealed blob per group (its name, members, admins and
/// signed log are never in the clear); a message row keeps only what paging needs in the clear (group id, time,
/// direction, status) and seals the sender, text, attachments and per-member receipts.
/// </summary>
internal static class GroupSchema
{
    public const string Migration =
        """
        CREATE TABLE groups (
            group_id BLOB PRIMARY KEY,
            revision INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE group_messages (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            group_id BLOB NOT NULL,
            direction INTEGER NOT NULL,
            timestamp_ms INTEGER NOT NULL,
            status INTEGER NOT NULL,
            body BLOB NOT NULL
        );
        CREATE INDEX ix_group_messages_group_time ON group_messages(group_id, timestamp_ms, seq);
        """;
}

/// <summary>The sealed part of a group message row.</summary>
internal sealed record GroupMessageBody(
    [property: JsonPropertyName("sender")] string Sender,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("reply_to")] string? ReplyTo,
    [property: JsonPropertyName("attachments")] IReadOnlyList<MediaAttachment> Attachments,
    [property: JsonPropertyName("receipts")] IReadOnlyDictionary<string, MessageStatus> Receipts);

[JsonSerializable(typeof(GroupMessageBody))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class GroupStorageJsonContext : JsonSerializerContext;
