using System.Text.Json;
using System.Text.Json.Serialization;

namespace IrohSocial.Messaging.Backup;

/// <summary>
/// What a backup holds, as JSON (the sealed file's plaintext and the <c>--plaintext</c> export are the same
/// document). Ratchet sessions and the outbox are left out on purpose: restoring an old ratchet state would reuse
/// message keys, and sessions re-establish on their own. Version 2 holds extension records (call history among
/// them) in <see cref="Records"/>; version 1 held call history in <see cref="Calls"/>, still read on import.
/// </summary>
internal sealed record BackupDocument(
    string Format,
    int Version,
    string Identity,
    DateTimeOffset ExportedAt,
    IReadOnlyList<BackupContact> Contacts,
    IReadOnlyList<BackupMessage> Messages,
    IReadOnlyList<BackupRecord>? Records = null,
    IReadOnlyList<BackupCall>? Calls = null)
{
    public const string FormatName = "irohsocial-backup";
    public const int CurrentVersion = 2;

    /// <summary>The version before extension records, still imported.</summary>
    public const int CallsVersion = 1;
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

/// <summary>An extension record; its body is the extension's JSON, kept readable.</summary>
internal sealed record BackupRecord(string Kind, string Id, string Peer, DateTimeOffset Time, JsonElement Body);

/// <summary>A call of a version-1 backup (see <see cref="Internal.LegacyCallRecords"/>).</summary>
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
