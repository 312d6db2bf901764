using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// A row of the <c>calls</c> table of schemas 1 to 5, when call history was a Messaging type. Only migrations use
/// it: schema 5 sealed these rows (<see cref="Encode"/>), schema 6 turns them into extension records of kind
/// <see cref="Kind"/> (<see cref="ToRecordBody"/>). Layouts and names are frozen: they describe files on users' disks.
/// </summary>
/// <remarks>
/// Sealed layout (schema 5; integers big-endian): <c>u8 version=1 || 32 peer || u8 direction (0..1) || u8 had_video
/// (0..1) || u8 ended_reason (0..3) || i64 started ms || i64 duration ms (&gt;= 0) || call id (UTF-8, 1..256 bytes)</c>,
/// bound to <c>"calls/2:" + hex(id tag)</c>.
/// </remarks>
internal sealed record LegacyCallRow(string CallId, EndpointId Peer, byte Direction, long StartedMs, long DurationMs, bool HadVideo, byte EndedReason)
{
    /// <summary>The record kind Media's calls layer files call history under.</summary>
    public const string Kind = "call.record";

    public const string CallLabel = "iroh-social/blind-index/calls/1";
    private const int MaxCallIdBytes = 256;
    private const byte Version = 1;
    private const int FixedSize = 1 + EndpointId.Size + 3 + 8 + 8;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly string[] Directions = ["Outgoing", "Incoming"];
    private static readonly string[] EndReasons = ["Completed", "Rejected", "Missed", "Failed"];

    public static byte[] Binding(ReadOnlySpan<byte> idTag) => Encoding.ASCII.GetBytes("calls/2:" + Convert.ToHexStringLower(idTag));

    public byte[] Encode()
    {
        var id = StrictUtf8.GetBytes(CallId);
        if (id.Length is 0 or > MaxCallIdBytes || Direction > 1 || EndedReason > 3)
        {
            throw new ArgumentException($"A call row holds an id of 1 to {MaxCallIdBytes} bytes, a direction 0..1 and an end reason 0..3.");
        }

        var result = new byte[FixedSize + id.Length];
        var span = result.AsSpan();
        span[0] = Version;
        Peer.CopyTo(span[1..]);
        var at = 1 + EndpointId.Size;
        span[at] = Direction;
        span[at + 1] = HadVideo ? (byte)1 : (byte)0;
        span[at + 2] = EndedReason;
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 3)..], StartedMs);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 11)..], DurationMs);
        id.CopyTo(span[FixedSize..]);
        return result;
    }

    /// <exception cref="InvalidDataException">The bytes are not a schema-5 call row.</exception>
    public static LegacyCallRow Decode(ReadOnlySpan<byte> data) =>
        TryDecode(data) ?? throw new InvalidDataException("A call row does not hold a call record.");

    /// <summary>The row, or null when the bytes do not fit the layout (strict: never guessed at).</summary>
    public static LegacyCallRow? TryDecode(ReadOnlySpan<byte> data)
    {
        if (data.Length <= FixedSize || data.Length > FixedSize + MaxCallIdBytes || data[0] != Version)
        {
            return null;
        }

        var at = 1 + EndpointId.Size;
        var (direction, video, reason) = (data[at], data[at + 1], data[at + 2]);
        var durationMs = BinaryPrimitives.ReadInt64BigEndian(data[(at + 11)..]);
        if (direction > 1 || video > 1 || reason > 3 || !RowCodec.TryDecodeTime(data.Slice(at + 3, 8), out var startedMs) || durationMs is < 0 or > (long)1e13)
        {
            return null;
        }

        try
        {
            var id = StrictUtf8.GetString(data[FixedSize..]);
            return new LegacyCallRow(id, new EndpointId(data.Slice(1, EndpointId.Size)), direction, startedMs, durationMs, video == 1, reason);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>The body of the extension record (Media's <c>CallRecordBody</c> JSON, which Media's tests pin).</summary>
    public byte[] ToRecordBody()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("direction", Directions[Direction]);
            writer.WriteNumber("duration_ms", DurationMs);
            writer.WriteBoolean("had_video", HadVideo);
            writer.WriteString("ended_reason", EndReasons[EndedReason]);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
