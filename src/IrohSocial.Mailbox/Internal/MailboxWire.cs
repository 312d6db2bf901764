using System.Buffers.Binary;
using System.Text;
using IrohSocial.Crypto;

namespace IrohSocial.Mailbox.Internal;

/// <summary>Operation byte that starts every request (docs/protocol.md section 12.2).</summary>
internal enum MailboxOp : byte
{
    Put = 0x01,
    List = 0x02,
    Get = 0x03,
    Ack = 0x04,
    Watch = 0x05,
    SetDepositors = 0x06,
    Stats = 0x07,
}

/// <summary>Status byte that starts every answer; <see cref="Deposited"/> starts each frame a watch pushes.</summary>
internal enum MailboxStatus : byte
{
    Ok = 0x00,
    Exists = 0x01,
    Refused = 0x02,
    NotFound = 0x03,
    Deposited = 0x10,
}

/// <summary>A request as read off the wire. Anything that does not parse is a <see cref="MailboxRefusal.BadRequest"/>.</summary>
internal abstract record MailboxRequest;

internal sealed record PutRequest(EndpointId Owner, string Id, uint TtlSeconds, ReadOnlyMemory<byte> Blob) : MailboxRequest;

internal sealed record ListRequest(int Limit) : MailboxRequest;

internal sealed record GetRequest(MailboxItemKey Key) : MailboxRequest;

internal sealed record AckRequest(IReadOnlyList<MailboxItemKey> Keys) : MailboxRequest;

internal sealed record WatchRequest : MailboxRequest;

internal sealed record SetDepositorsRequest(IReadOnlyList<EndpointId>? Allowed) : MailboxRequest;

internal sealed record StatsRequest : MailboxRequest;

/// <summary>Byte layouts of requests and answers. Integers are big-endian; ids are 1-64 printable ASCII bytes behind a u8 length.</summary>
internal static class MailboxWire
{
    public const int MaxIdLength = 64;
    public const int MaxListLimit = 1024;
    public const int MaxAckKeys = 256;
    public const int MaxDepositors = 1024;

    /// <summary>Largest frame either side reads: the biggest padded blob plus a request header.</summary>
    public const int MaxFrameSize = (1 << 20) + 256;

    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= MaxIdLength } && id.All(c => c is >= '!' and <= '~');

    // ---- requests ----

    public static byte[] Put(EndpointId owner, string id, uint ttlSeconds, ReadOnlySpan<byte> blob)
    {
        var w = new Writer();
        w.Byte((byte)MailboxOp.Put).Id(owner).Text(id).U32(ttlSeconds).Bytes(blob);
        return w.ToArray();
    }

    public static byte[] List(int limit) => new Writer().Byte((byte)MailboxOp.List).U16((ushort)limit).ToArray();

    public static byte[] Get(MailboxItemKey key) => new Writer().Byte((byte)MailboxOp.Get).Id(key.Depositor).Text(key.Id).ToArray();

    public static byte[] Ack(IReadOnlyList<MailboxItemKey> keys)
    {
        var w = new Writer().Byte((byte)MailboxOp.Ack).U16((ushort)keys.Count);
        foreach (var key in keys)
        {
            w.Id(key.Depositor).Text(key.Id);
        }

        return w.ToArray();
    }

    public static byte[] Watch() => [(byte)MailboxOp.Watch];

    public static byte[] SetDepositors(IReadOnlyList<EndpointId>? allowed)
    {
        var w = new Writer().Byte((byte)MailboxOp.SetDepositors).Byte(allowed is null ? (byte)0 : (byte)1).U16((ushort)(allowed?.Count ?? 0));
        foreach (var id in allowed ?? [])
        {
            w.Id(id);
        }

        return w.ToArray();
    }

    public static byte[] Stats() => [(byte)MailboxOp.Stats];

    public static MailboxRequest? TryParseRequest(ReadOnlyMemory<byte> frame)
    {
        var r = new Reader(frame);
        if (!r.TryByte(out var op))
        {
            return null;
        }

        MailboxRequest? request = (MailboxOp)op switch
        {
            MailboxOp.Put => r.TryId(out var owner) && r.TryText(out var id) && r.TryU32(out var ttl) ? new PutRequest(owner, id, ttl, r.Rest()) : null,
            MailboxOp.List => r.TryU16(out var limit) && limit is > 0 and <= MaxListLimit ? new ListRequest(limit) : null,
            MailboxOp.Get => r.TryKey(out var key) ? new GetRequest(key) : null,
            MailboxOp.Ack => ParseAck(ref r),
            MailboxOp.Watch => new WatchRequest(),
            MailboxOp.SetDepositors => ParseDepositors(ref r),
            MailboxOp.Stats => new StatsRequest(),
            _ => null,
        };
        // A put's blob is the rest of the frame; every other request must end exactly where its fields end.
        return request is PutRequest || r.AtEnd ? request : null;
    }

    private static AckRequest? ParseAck(ref Reader r)
    {
        if (!r.TryU16(out var count) || count is 0 or > MaxAckKeys)
        {
            return null;
        }

        var keys = new List<MailboxItemKey>(count);
        for (var i = 0; i < count; i++)
        {
            if (!r.TryKey(out var key))
            {
                return null;
            }

            keys.Add(key);
        }

        return new AckRequest(keys);
    }

    private static SetDepositorsRequest? ParseDepositors(ref Reader r)
    {
        if (!r.TryByte(out var mode) || mode > 1 || !r.TryU16(out var count) || count > MaxDepositors || (mode == 0 && count != 0))
        {
            return null;
        }

        var ids = new List<EndpointId>(count);
        for (var i = 0; i < count; i++)
        {
            if (!r.TryId(out var id))
            {
                return null;
            }

            ids.Add(id);
        }

        return new SetDepositorsRequest(mode == 0 ? null : ids);
    }

    // ---- answers ----

    public static byte[] Status(MailboxStatus status) => [(byte)status];

    public static byte[] Refused(MailboxRefusal reason) => [(byte)MailboxStatus.Refused, (byte)reason];

    public static byte[] ListAnswer(IReadOnlyList<MailboxEntry> entries)
    {
        var w = new Writer().Byte((byte)MailboxStatus.Ok).U16((ushort)entries.Count);
        foreach (var e in entries)
        {
            w.Id(e.Key.Depositor).Text(e.Key.Id).U32((uint)e.Size).U64((ulong)e.DepositedAt.ToUnixTimeMilliseconds()).U64((ulong)e.ExpiresAt.ToUnixTimeMilliseconds());
        }

        return w.ToArray();
    }

    public static byte[] GetAnswer(ReadOnlySpan<byte> blob) => new Writer().Byte((byte)MailboxStatus.Ok).Bytes(blob).ToArray();

    public static byte[] AckAnswer(int removed) => new Writer().Byte((byte)MailboxStatus.Ok).U16((ushort)removed).ToArray();

    public static byte[] StatsAnswer(MailboxStats stats)
    {
        var w = new Writer().Byte((byte)MailboxStatus.Ok).U32((uint)stats.Count).U64((ulong)stats.Bytes)
            .Byte(stats.AllowedDepositors is null ? (byte)0 : (byte)1).U16((ushort)(stats.AllowedDepositors?.Count ?? 0));
        foreach (var id in stats.AllowedDepositors ?? [])
        {
            w.Id(id);
        }

        return w.ToArray();
    }

    public static byte[] DepositedEvent(MailboxItemKey key) => new Writer().Byte((byte)MailboxStatus.Deposited).Id(key.Depositor).Text(key.Id).ToArray();

    /// <summary>Reads the status byte; a refusal becomes a <see cref="MailboxException"/>. Returns a reader over the rest.</summary>
    public static Reader ReadAnswer(ReadOnlyMemory<byte> frame, out MailboxStatus status)
    {
        var r = new Reader(frame);
        if (!r.TryByte(out var b))
        {
            throw Violation("an empty answer");
        }

        status = (MailboxStatus)b;
        if (status == MailboxStatus.Refused)
        {
            if (!r.TryByte(out var reason) || !r.AtEnd || !Enum.IsDefined((MailboxRefusal)reason))
            {
                throw Violation("a malformed refusal");
            }

            throw new MailboxException((MailboxRefusal)reason, $"The mailbox refused the request: {(MailboxRefusal)reason}.");
        }

        return r;
    }

    public static IReadOnlyList<MailboxEntry> ParseListAnswer(ref Reader r)
    {
        if (!r.TryU16(out var count))
        {
            throw Violation("a truncated list");
        }

        var entries = new List<MailboxEntry>(count);
        for (var i = 0; i < count; i++)
        {
            if (!r.TryKey(out var key) || !r.TryU32(out var size) || !r.TryU64(out var deposited) || !r.TryU64(out var expires)
                || size > MaxFrameSize || deposited > long.MaxValue || expires > long.MaxValue)
            {
                throw Violation("a malformed list entry");
            }

            entries.Add(new MailboxEntry(key, (int)size, DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(deposited, 253402300799999UL)),
                DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(expires, 253402300799999UL))));
        }

        return r.AtEnd ? entries : throw Violation("trailing bytes after a list");
    }

    public static MailboxStats ParseStatsAnswer(ref Reader r)
    {
        if (!r.TryU32(out var count) || !r.TryU64(out var bytes) || !r.TryByte(out var mode) || mode > 1 || !r.TryU16(out var n))
        {
            throw Violation("malformed stats");
        }

        var ids = new List<EndpointId>(n);
        for (var i = 0; i < n; i++)
        {
            if (!r.TryId(out var id))
            {
                throw Violation("malformed stats");
            }

            ids.Add(id);
        }

        return r.AtEnd ? new MailboxStats((int)Math.Min(count, int.MaxValue), (long)Math.Min(bytes, long.MaxValue), mode == 0 ? null : ids) : throw Violation("malformed stats");
    }

    public static MailboxException Violation(string what) =>
        new(MailboxError.ProtocolViolation, $"The mailbox sent {what}.");

    /// <summary>Appends fields to a growing buffer.</summary>
    internal sealed class Writer
    {
        private readonly MemoryStream _buffer = new();

        public Writer Byte(byte value)
        {
            _buffer.WriteByte(value);
            return this;
        }

        public Writer U16(ushort value)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(b, value);
            _buffer.Write(b);
            return this;
        }

        public Writer U32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, value);
            _buffer.Write(b);
            return this;
        }

        public Writer U64(ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(b, value);
            _buffer.Write(b);
            return this;
        }

        public Writer Id(EndpointId id)
        {
            Span<byte> b = stackalloc byte[EndpointId.Size];
            id.CopyTo(b);
            _buffer.Write(b);
            return this;
        }

        public Writer Text(string id)
        {
            if (!IsValidId(id))
            {
                throw new ArgumentException("An id is 1-64 printable ASCII characters.", nameof(id));
            }

            _buffer.WriteByte((byte)id.Length);
            _buffer.Write(Encoding.ASCII.GetBytes(id));
            return this;
        }

        public Writer Bytes(ReadOnlySpan<byte> bytes)
        {
            _buffer.Write(bytes);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();
    }

    /// <summary>Reads fields; every Try method fails (never throws) on truncated or invalid input.</summary>
    internal struct Reader(ReadOnlyMemory<byte> data)
    {
        private int _pos;

        public readonly bool AtEnd => _pos == data.Length;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (data.Length - _pos < 1)
            {
                return false;
            }

            value = data.Span[_pos++];
            return true;
        }

        public bool TryU16(out ushort value)
        {
            value = 0;
            if (data.Length - _pos < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(data.Span[_pos..]);
            _pos += 2;
            return true;
        }

        public bool TryU32(out uint value)
        {
            value = 0;
            if (data.Length - _pos < 4)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt32BigEndian(data.Span[_pos..]);
            _pos += 4;
            return true;
        }

        public bool TryU64(out ulong value)
        {
            value = 0;
            if (data.Length - _pos < 8)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt64BigEndian(data.Span[_pos..]);
            _pos += 8;
            return true;
        }

        public bool TryId(out EndpointId id)
        {
            id = default;
            if (data.Length - _pos < EndpointId.Size)
            {
                return false;
            }

            id = new EndpointId(data.Span.Slice(_pos, EndpointId.Size));
            _pos += EndpointId.Size;
            return true;
        }

        public bool TryText(out string text)
        {
            text = "";
            if (!TryByte(out var length) || length is 0 or > MaxIdLength || data.Length - _pos < length)
            {
                return false;
            }

            var bytes = data.Span.Slice(_pos, length);
            if (bytes.ContainsAnyExceptInRange((byte)'!', (byte)'~'))
            {
                return false;
            }

            text = Encoding.ASCII.GetString(bytes);
            _pos += length;
            return true;
        }

        public bool TryKey(out MailboxItemKey key)
        {
            key = default;
            if (!TryId(out var depositor) || !TryText(out var id))
            {
                return false;
            }

            key = new MailboxItemKey(depositor, id);
            return true;
        }

        public ReadOnlyMemory<byte> Rest()
        {
            var rest = data[_pos..];
            _pos = data.Length;
            return rest;
        }
    }
}
