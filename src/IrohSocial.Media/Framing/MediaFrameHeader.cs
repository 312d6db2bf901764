using System.Buffers.Binary;

namespace IrohSocial.Media.Framing;

/// <summary>
/// The clear-text header in front of every media frame: <c>[u32 sequence][u64 timestamp_us][u16 length]</c>,
/// big-endian, 14 bytes. It is authenticated as associated data by the frame cipher; <see cref="Length"/> counts
/// the encrypted data that follows (payload plus the 16-byte tag).
/// </summary>
/// <param name="Sequence">Frame number within the stream, starting at 0 and rising by one per frame.</param>
/// <param name="TimestampMicroseconds">Capture time on the sender's clock, microseconds since the Unix epoch.</param>
/// <param name="Length">Bytes of frame data after the header.</param>
internal readonly record struct MediaFrameHeader(uint Sequence, ulong TimestampMicroseconds, ushort Length)
{
    /// <summary>Encoded size of the header in bytes.</summary>
    public const int Size = 14;

    /// <summary>Writes the 14-byte header.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The header needs {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, Sequence);
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], TimestampMicroseconds);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], Length);
    }

    /// <summary>Parses a header from the first 14 bytes of <paramref name="source"/>.</summary>
    /// <param name="source">Encoded bytes.</param>
    /// <param name="header">The parsed header.</param>
    /// <returns>False when fewer than <see cref="Size"/> bytes are given.</returns>
    public static bool TryRead(ReadOnlySpan<byte> source, out MediaFrameHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new MediaFrameHeader(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            BinaryPrimitives.ReadUInt64BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(source[12..]));
        return true;
    }
}
