using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Backup;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Reads the call history of a version-1 backup, written while call records were Messaging types, into extension
/// records of kind <see cref="Kind"/>. The body shape is frozen here on purpose: it is the JSON contract of Media's
/// call records (<c>IrohSocial.Media.Calls.Internal.CallRecordBody</c>), which Media's tests pin to the same bytes.
/// </summary>
internal static class LegacyCallRecords
{
    public const string Kind = "call.record";

    private static readonly string[] Directions = ["Outgoing", "Incoming"];
    private static readonly string[] EndReasons = ["Completed", "Rejected", "Missed", "Failed"];

    /// <exception cref="FormatException">A field is not what version 1 wrote.</exception>
    public static StoredRecord ToRecord(BackupCall call)
    {
        if (!Directions.Contains(call.Direction, StringComparer.Ordinal) || !EndReasons.Contains(call.EndedReason, StringComparer.Ordinal) || call.DurationMs < 0)
        {
            throw new FormatException("A call of the backup has an unknown direction, end reason or a negative duration.");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("direction", call.Direction);
            writer.WriteNumber("duration_ms", call.DurationMs);
            writer.WriteBoolean("had_video", call.HadVideo);
            writer.WriteString("ended_reason", call.EndedReason);
            writer.WriteEndObject();
        }

        return new StoredRecord(Kind, call.CallId, EndpointId.Parse(call.Peer), call.StartedAt, buffer.ToArray());
    }
}
