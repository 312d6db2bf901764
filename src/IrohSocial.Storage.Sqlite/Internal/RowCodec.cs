using System.Buffers.Binary;
using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Byte layouts of the metadata that schema 5 seals (message times, outbox schedules, call rows) and the associated
/// data that binds each sealed value to its row. Decoding is strict: a value that opened but does not fit its layout
/// is reported (null/false), never guessed at.
/// </summary>
/// <remarks>
/// Layouts (integers big-endian): time = <c>i64 unix ms</c>; schedule = <c>i64 created ms || i32 attempts || i64
/// next attempt ms</c>; call = <c>u8 version=1 || 32 peer || u8 direction (0..1) || u8 had_video (0..1) || u8
/// ended_reason (0..3) || i64 started ms || i64 duration ms (&gt;= 0) || call id (UTF-8, 1..256 bytes)</c>.
/// </remarks>
internal static class RowCodec
{
    public const int TimeSize = 8;
    public const int ScheduleSize = 8 + 4 + 8;
    public const int MaxCallIdBytes = 256;
    private const byte CallVersion = 1;
    private const int CallFixedSize = 1 + EndpointId.Size + 3 + 8 + 8;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] EncodeTime(long unixMs)
    {
        var result = new byte[TimeSize];
        BinaryPrimitives.WriteInt64BigEndian(result, unixMs);
        return result;
    }

    public static bool TryDecodeTime(ReadOnlySpan<byte> data, out long unixMs)
    {
        unixMs = 0;
        if (data.Length != TimeSize)
        {
            return false;
        }

        unixMs = BinaryPrimitives.ReadInt64BigEndian(data);
        return unixMs is >= -62135596800000 and <= 253402300799999; // DateTimeOffset's range
    }

    public static byte[] EncodeSchedule(long createdMs, int attempts, long nextAttemptMs)
    {
        var result = new byte[ScheduleSize];
        BinaryPrimitives.WriteInt64BigEndian(result, createdMs);
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(8), attempts);
        BinaryPrimitives.WriteInt64BigEndian(result.AsSpan(12), nextAttemptMs);
        return result;
    }

    public static bool TryDecodeSchedule(ReadOnlySpan<byte> data, out long createdMs, out int attempts, out long nextAttemptMs)
    {
        createdMs = nextAttemptMs = 0;
        attempts = 0;
        if (data.Length != ScheduleSize)
        {
            return false;
        }

        attempts = BinaryPrimitives.ReadInt32BigEndian(data[8..]);
        return TryDecodeTime(data[..8], out createdMs) && TryDecodeTime(data.Slice(12, 8), out nextAttemptMs) && attempts >= 0;
    }

    public static byte[] EncodeCall(CallRecord call)
    {
        var id = StrictUtf8.GetBytes(call.CallId);
        if (id.Length is 0 or > MaxCallIdBytes)
        {
            throw new ArgumentException($"A call id must be 1 to {MaxCallIdBytes} bytes of UTF-8.", nameof(call));
        }

        var result = new byte[CallFixedSize + id.Length];
        var span = result.AsSpan();
        span[0] = CallVersion;
        call.Peer.CopyTo(span[1..]);
        var at = 1 + EndpointId.Size;
        span[at] = (byte)call.Direction;
        span[at + 1] = call.HadVideo ? (byte)1 : (byte)0;
        span[at + 2] = (byte)call.EndedReason;
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 3)..], call.StartedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 11)..], (long)call.Duration.TotalMilliseconds);
        id.CopyTo(span[CallFixedSize..]);
        return result;
    }

    public static CallRecord? TryDecodeCall(ReadOnlySpan<byte> data)
    {
        if (data.Length <= CallFixedSize || data.Length > CallFixedSize + MaxCallIdBytes || data[0] != CallVersion)
        {
            return null;
        }

        var at = 1 + EndpointId.Size;
        var direction = data[at];
        var video = data[at + 1];
        var reason = data[at + 2];
        var durationMs = BinaryPrimitives.ReadInt64BigEndian(data[(at + 11)..]);
        if (direction > (byte)CallDirection.Incoming || video > 1 || reason > (byte)CallEndReason.Failed
            || !TryDecodeTime(data.Slice(at + 3, 8), out var startedMs) || durationMs is < 0 or > (long)1e13)
        {
            return null;
        }

        string id;
        try
        {
            id = StrictUtf8.GetString(data[CallFixedSize..]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return new CallRecord(id, new EndpointId(data.Slice(1, EndpointId.Size)), (CallDirection)direction,
            DateTimeOffset.FromUnixTimeMilliseconds(startedMs), TimeSpan.FromMilliseconds(durationMs), video == 1, (CallEndReason)reason);
    }

    // Associated data: each names its table and the row's key, so a sealed value cannot be moved to another row.

    public static byte[] MessageTimeBinding(string id, EndpointId peer) => Encoding.UTF8.GetBytes($"messages/time:{peer}\0{id}");

    public static byte[] GroupMessageTimeBinding(string id, Messaging.Groups.GroupId group) => Encoding.UTF8.GetBytes($"group_messages/time:{group}\0{id}");

    public static byte[] ScheduleBinding(string id) => Encoding.UTF8.GetBytes("outbox/schedule:" + id);

    public static byte[] TicketBinding(EndpointId peer) => Encoding.ASCII.GetBytes("peers/ticket:" + peer);

    public static byte[] CallBinding(ReadOnlySpan<byte> idTag) => Encoding.ASCII.GetBytes("calls/2:" + Convert.ToHexStringLower(idTag));

    public static byte[] DirectoryBinding(ReadOnlySpan<byte> tag) => Encoding.ASCII.GetBytes("peer_directory:" + Convert.ToHexStringLower(tag));
}
