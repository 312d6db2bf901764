using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>Message types on the TCP provider's control channel (docs/protocol.md section 4.5).</summary>
internal enum ControlType : byte
{
    MaxStreams = 0x01,
    Ping = 0x02,
    Pong = 0x03,
    ResetStream = 0x04,
    Close = 0x05,
}

/// <summary>
/// A control message: <c>[u8 type][u16 body length][body]</c>. Bodies: MAX_STREAMS <c>[u64 cumulative]</c>,
/// PING/PONG <c>[u64 opaque]</c>, RESET_STREAM <c>[u8 opened by sender 0|1][u64 channel id][u64 code]</c>,
/// CLOSE <c>[u64 code][UTF-8 reason ≤ 1024 bytes]</c>.
/// </summary>
internal readonly record struct ControlMessage(ControlType Type, ulong Value, ulong ChannelId = 0, bool OpenedBySender = false, string Reason = "")
{
    public const int HeaderSize = 3;
    public const int MaxReasonBytes = 1024;
    public const int MaxBodySize = 8 + MaxReasonBytes;

    public byte[] Encode()
    {
        byte[] body;
        switch (Type)
        {
            case ControlType.MaxStreams:
            case ControlType.Ping:
            case ControlType.Pong:
                body = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(body, Value);
                break;
            case ControlType.ResetStream:
                body = new byte[17];
                body[0] = OpenedBySender ? (byte)0 : (byte)1;
                BinaryPrimitives.WriteUInt64BigEndian(body.AsSpan(1), ChannelId);
                BinaryPrimitives.WriteUInt64BigEndian(body.AsSpan(9), Value);
                break;
            case ControlType.Close:
                var reason = TruncateUtf8(Reason, MaxReasonBytes);
                body = new byte[8 + reason.Length];
                BinaryPrimitives.WriteUInt64BigEndian(body, Value);
                reason.CopyTo(body, 8);
                break;
            default:
                throw new InvalidOperationException("Unknown control message type.");
        }

        var message = new byte[HeaderSize + body.Length];
        message[0] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(1), (ushort)body.Length);
        body.CopyTo(message, HeaderSize);
        return message;
    }

    /// <summary>Parses one message from the front of <paramref name="buffer"/>.</summary>
    /// <returns>false when more bytes are needed.</returns>
    /// <exception cref="FormatException">The bytes are not a valid control message.</exception>
    public static bool TryParse(ref ReadOnlySequence<byte> buffer, out ControlMessage message)
    {
        message = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var type = (ControlType)header[0];
        int length = BinaryPrimitives.ReadUInt16BigEndian(header[1..]);
        var expected = type switch
        {
            ControlType.MaxStreams or ControlType.Ping or ControlType.Pong => 8,
            ControlType.ResetStream => 17,
            ControlType.Close => -1,
            _ => throw new FormatException($"Unknown control message type 0x{header[0]:x2}."),
        };
        if ((expected >= 0 && length != expected) || (expected < 0 && (length < 8 || length > MaxBodySize)))
        {
            throw new FormatException($"Bad length {length} for control message {type}.");
        }

        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        var body = buffer.Slice(HeaderSize, length).ToArray();
        buffer = buffer.Slice(HeaderSize + length);
        message = type switch
        {
            ControlType.ResetStream when body[0] > 1 => throw new FormatException("Bad RESET_STREAM origin."),
            ControlType.ResetStream => new ControlMessage(type, BinaryPrimitives.ReadUInt64BigEndian(body.AsSpan(9)), BinaryPrimitives.ReadUInt64BigEndian(body.AsSpan(1)), body[0] == 0),
            ControlType.Close => new ControlMessage(type, BinaryPrimitives.ReadUInt64BigEndian(body), Reason: DecodeReason(body.AsSpan(8))),
            _ => new ControlMessage(type, BinaryPrimitives.ReadUInt64BigEndian(body)),
        };
        return true;
    }

    private static string DecodeReason(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("CLOSE reason is not UTF-8.");
        }
    }

    private static byte[] TruncateUtf8(string text, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(text ?? "");
        if (bytes.Length <= maxBytes)
        {
            return bytes;
        }

        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--; // never split a UTF-8 sequence
        }

        return bytes[..cut];
    }
}
