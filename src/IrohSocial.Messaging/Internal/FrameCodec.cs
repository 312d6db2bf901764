using IrohSocial.Transport;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// The DM protocol's view of Transport's length-prefixed frames (<see cref="FrameReader"/>/<see cref="FrameWriter"/>,
/// <c>[u32 big-endian length][payload]</c>): the same bytes, with the DM rules on top (a frame is never empty) and
/// Messaging's error type. The length is checked against the limit before any payload byte is read, so an
/// oversized frame costs the receiver four bytes.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = FrameReader.HeaderSize;

    /// <summary>Writes one frame in a single write call.</summary>
    public static ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        FrameWriter.WriteFrameAsync(stream, payload, flush: true, cancellationToken);

    /// <summary>Writes one frame in a single write call, flushing when asked.</summary>
    public static ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, bool flush, CancellationToken cancellationToken) =>
        FrameWriter.WriteFrameAsync(stream, payload, flush, cancellationToken);

    /// <summary>Encodes one frame into a new array (for tests and known-answer vectors).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload) => FrameWriter.Encode(payload);

    /// <summary>
    /// Reads one frame. Returns <see langword="null"/> on a clean end of stream before a header.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.FrameTooLarge"/> or <see cref="MessagingError.MalformedFrame"/>.</exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, int maxFrameSize, CancellationToken cancellationToken)
    {
        byte[]? frame;
        try
        {
            frame = await FrameReader.ReadFrameAsync(stream, maxFrameSize, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportException ex) when (ex.Error == TransportError.FrameTooLarge)
        {
            throw new MessagingException(MessagingError.FrameTooLarge, ex.Message, ex);
        }
        catch (TransportException ex) when (ex.Error == TransportError.ProtocolViolation)
        {
            throw new MessagingException(MessagingError.MalformedFrame, ex.Message, ex);
        }

        if (frame is { Length: 0 })
        {
            throw new MessagingException(MessagingError.FrameTooLarge, $"Frame length 0 is outside 1..{maxFrameSize}.");
        }

        return frame;
    }
}
