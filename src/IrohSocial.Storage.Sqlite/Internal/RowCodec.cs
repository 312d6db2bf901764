using System.Buffers.Binary;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Storage.Sqlite.Internal;

/// <summary>
/// Byte layouts of the metadata that schema 5 seals (message times, outbox schedules; call rows: <see cref="LegacyCallRow"/>) and the associated
/// data that binds each sealed value to its row. Decoding is strict: a value that opened but does not fit its layout
/// is reported (null/false), never guessed at.
/// </summary>
/// <remarks>
/// Layouts (integers big-endian): time = <c>i64 unix ms</c>; schedule = <c>i64 created ms || i32 attempts || i64
/// next attempt ms</c>.
/// </remarks>
internal static class RowCodec
{
    public const int TimeSize = 8;
    public const int ScheduleSize = 8 + 4 + 8;

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
        return IsValidTime(unixMs);
    }

    /// <summary>Whether <paramref name="unixMs"/> is in <see cref="DateTimeOffset"/>'s range.</summary>
    public static bool IsValidTime(long unixMs) => unixMs is >= -62135596800000 and <= 253402300799999;

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

    // Associated data: each names its table and the row's key, so a sealed value cannot be moved to another row.

    public static byte[] MessageTimeBinding(string id, EndpointId peer) => Encoding.UTF8.GetBytes($"messages/time:{peer}\0{id}");

    public static byte[] GroupMessageTimeBinding(string id, Messaging.Groups.GroupId group) => Encoding.UTF8.GetBytes($"group_messages/time:{group}\0{id}");

    public static byte[] ScheduleBinding(string id) => Encoding.UTF8.GetBytes("outbox/schedule:" + id);

    public static byte[] TicketBinding(EndpointId peer) => Encoding.ASCII.GetBytes("peers/ticket:" + peer);

    public static byte[] DirectoryBinding(ReadOnlySpan<byte> tag) => Encoding.ASCII.GetBytes("peer_directory:" + Convert.ToHexStringLower(tag));
}
