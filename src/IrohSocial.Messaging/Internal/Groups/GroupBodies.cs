using System.Text.Json.Serialization;
using IrohSocial.Messaging.Controls;

namespace IrohSocial.Messaging.Internal.Groups;

/// <summary>A group's whole signed log, plus address tickets of members the sender knows (unsigned hints).</summary>
internal sealed record GroupSyncBody(
    [property: JsonPropertyName("group_id")] string GroupId,
    [property: JsonPropertyName("log")] IReadOnlyList<byte[]> Log,
    [property: JsonPropertyName("addresses")] IReadOnlyList<string>? Addresses);

/// <summary>One member's copy of a group message.</summary>
internal sealed record GroupMessageBody(
    [property: JsonPropertyName("group_id")] string GroupId,
    [property: JsonPropertyName("message_id")] string MessageId,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("timestamp")] long TimestampMs,
    [property: JsonPropertyName("attachments")] IReadOnlyList<AttachmentDescriptor>? Attachments,
    [property: JsonPropertyName("reply_to")] string? ReplyTo);

/// <summary>The sender read these group messages (sent to each message's author only).</summary>
internal sealed record GroupReadBody(
    [property: JsonPropertyName("group_id")] string GroupId,
    [property: JsonPropertyName("message_ids")] IReadOnlyList<string> MessageIds);

/// <summary>The sender is typing in the group.</summary>
internal sealed record GroupTypingBody([property: JsonPropertyName("group_id")] string GroupId);

/// <summary>What a store keeps for a group (sealed by the SQLite store): the log and, per member, the head it was last sent.</summary>
internal sealed record GroupRecordData(
    [property: JsonPropertyName("log")] IReadOnlyList<byte[]> Log,
    [property: JsonPropertyName("synced")] IReadOnlyDictionary<string, string> Synced);

[JsonSerializable(typeof(GroupSyncBody))]
[JsonSerializable(typeof(GroupMessageBody))]
[JsonSerializable(typeof(GroupReadBody))]
[JsonSerializable(typeof(GroupTypingBody))]
[JsonSerializable(typeof(GroupRecordData))]
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Metadata, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class GroupJsonContext : JsonSerializerContext;

/// <summary>The control kinds groups ride on (docs/protocol.md section 11.4).</summary>
internal static class GroupKinds
{
    public static readonly ControlKind<GroupSyncBody> Sync = new("group.sync", GroupJsonContext.Default.GroupSyncBody);
    public static readonly ControlKind<GroupMessageBody> Message = new("group.msg", GroupJsonContext.Default.GroupMessageBody);
    public static readonly ControlKind<GroupReadBody> Read = new("group.read", GroupJsonContext.Default.GroupReadBody);
    public static readonly ControlKind<GroupTypingBody> Typing = new("group.typing", GroupJsonContext.Default.GroupTypingBody);
}
