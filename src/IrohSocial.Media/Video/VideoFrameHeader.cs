using System.Buffers;
using System.Buffers.Binary;

namespace IrohSocial.Media.Video;

/// <summary>
/// The header in front of every compressed video frame on a call's video stream:
/// <c>[u32 sequence][u64 timestamp_us][u8 flags][u16 width][u16 height][u32 length]</c>, big-endian, 21 bytes,
/// followed by <c>length</c> bytes of payload. <c>flags</c> bit 0 is key_frame; the other bits are reserved and must
/// be zero. See docs/protocol.md, section 8.
/// </summary>
/// <param name="Sequence">Frame counter of the sending direction; +1 per frame sent, wrapping at 2^32.</param>
/// <param name="TimestampUs">Capture time in microseconds on the sender's clock.</param>
/// <param name="IsKeyFrame">Whether the payload decodes without earlier frames.</param>
/// <param name="Width">Encoded width in pixels (1..65535).</param>
/// <param name="Height">Encoded height in pixels (1..65535).</param>
/// <param name="PayloadLength">Bytes of payload that follow the header (at most <see cref="MaxPayloadLength"/>).</param>
internal readonly record struct VideoFrameHeader(uint Sequence, ulong TimestampUs, bool IsKeyFrame, ushort Width, ushort Height, uint PayloadLength)
{
    /// <summary>Encoded size of the header in bytes.</summary>
    public const int Size = 21;

    /// <summary>Largest payload accepted (4 MiB; a 1280x720 keyframe at 2 Mbit/s is well under 200 KiB).</summary>
    public const uint MaxPayloadLength = 4 * 1024 * 1024;

    private const byte KeyFrameFlag = 0x01;

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too small or the header is not valid to send.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"Need {Size} bytes.", nameof(destination));
        }

        if (Width == 0 || Height == 0 || PayloadLength > MaxPayloadLength)
        {
            throw new ArgumentException("Width and height must be non-zero and the payload at most MaxPayloadLength.");
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Sequence);
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], TimestampUs);
        destination[12] = IsKeyFrame ? KeyFrameFlag : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[13..], Width);
        BinaryPrimitives.WriteUInt16BigEndian(destination[15..], Height);
        BinaryPrimitives.WriteUInt32BigEndian(destination[17..], PayloadLength);
    }

    /// <summary>Reads a header from the start of <paramref name="source"/>.</summary>
    /// <returns>
    /// <see cref="OperationStatus.Done"/> with the header; <see cref="OperationStatus.NeedMoreData"/> when fewer than
    /// <see cref="Size"/> bytes are available; <see cref="OperationStatus.InvalidData"/> for reserved flag bits, a zero
    /// dimension or an oversized payload (the stream should then be closed).
    /// </returns>
    public static OperationStatus TryRead(ReadOnlySpan<byte> source, out VideoFrameHeader header)
    {
        header = default;
        if (source.Length < Size)
        {
            return OperationStatus.NeedMoreData;
        }

        var flags = source[12];
        var width = BinaryPrimitives.ReadUInt16BigEndian(source[13..]);
        var height = BinaryPrimitives.ReadUInt16BigEndian(source[15..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(source[17..]);
        if ((flags & ~KeyFrameFlag) != 0 || width == 0 || height == 0 || length > MaxPayloadLength)
        {
            return OperationStatus.InvalidData;
        }

        header = new VideoFrameHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            (flags & KeyFrameFlag) != 0,
            width,
            height,
            length);
        return OperationStatus.Done;
    }
}
