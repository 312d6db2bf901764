using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Backup;

/// <summary>
/// What a backup holds, as JSON (the sealed file's plaintext and the <c>--plaintext</c> export are the same
/// document). Ratchet sessions and the outbox are left out on purpose: restoring an old ratchet state would reuse
/// message keys, and sessions re-establish on their own.
/// </summary>
internal sealed record BackupDocument(
    string Format,
    int Version,
    string Identity,
    DateTimeOffset ExportedAt,
    IReadOnlyList<BackupContact> Contacts,
    IReadOnlyList<BackupMessage> Messages,
    IReadOnlyList<BackupCall> Calls)
{
    public const string FormatName = "irohsocial-backup";
    public const int CurrentVersion = 1;
}

internal sealed record BackupContact(string Peer, string Ticket);

internal sealed record BackupMessage(
    string Id,
    string Peer,
    string Direction,
    string Content,
    DateTimeOffset Timestamp,
    string? ReplyTo,
    string Status,
    IReadOnlyList<BackupAttachment> Attachments);

/// <summary>Attachment metadata, plus its bytes when the file was on this device (received attachments).</summary>
internal sealed record BackupAttachment(string Id, string Name, string MimeType, long Size, string Sha256, byte[]? Data);

internal sealed record BackupCall(
    string CallId,
    string Peer,
    string Direction,
    DateTimeOffset StartedAt,
    long DurationMs,
    bool HadVideo,
    string EndedReason);

[JsonSerializable(typeof(BackupDocument))]
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
internal sealed partial class BackupJsonContext : JsonSerializerContext;
