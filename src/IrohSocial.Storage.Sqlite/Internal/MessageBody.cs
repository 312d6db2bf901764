using System.Text.Json.Serialization;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>The sealed part of a message row: everything a reader of the file must not see.</summary>
internal sealed record MessageBody(
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("reply_to")] string? ReplyTo,
    [property: JsonPropertyName("attachments")] IReadOnlyList<MediaAttachment> Attachments);

[JsonSerializable(typeof(MessageBody))]
[JsonSerializable(typeof(ConversationRow))]
[JsonSerializable(typeof(string[]))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
