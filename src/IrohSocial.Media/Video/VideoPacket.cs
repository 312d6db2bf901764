namespace IrohSocial.Media.Video;

/// <summary>One frame ready for the wire: its <see cref="VideoFrameHeader"/> and VP9 payload.</summary>
/// <param name="Header">The frame header (its <see cref="VideoFrameHeader.PayloadLength"/> equals the payload's length).</param>
/// <param name="Payload">The VP9 data.</param>
internal sealed record VideoPacket(VideoFrameHeader Header, byte[] Payload)
{
    /// <summary>Bytes of header plus payload.</summary>
    public int Length => VideoFrameHeader.Size + Payload.Length;

    /// <summary>Writes header then payload into <paramref name="destination"/>, which must hold <see cref="Length"/> bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"Need {Length} bytes.", nameof(destination));
        }

        Header.WriteTo(destination);
        Payload.CopyTo(destination[VideoFrameHeader.Size..]);
    }
}
