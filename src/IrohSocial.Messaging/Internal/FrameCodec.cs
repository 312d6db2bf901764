using System.Buffers;
using System.Buffers.Binary;

namespace IrohSocial.Messaging.Internal;

/// <summary>
/// Length-prefixed frames: <c>[u32 big-endian length][payload]</c>. The length is checked against the limit
/// before any payload byte is read, so an oversized frame costs the receiver four bytes.
/// </summary>
internal static class FrameCodec
{
    public const int HeaderSize = 4;

    /// <summary>Writes one frame in a single write call.</summary>
    public static ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        WriteFrameAsync(stream, payload, flush: true, cancellationToken);

    /// <summary>Writes one frame in a single write call, flushing when asked.</summary>
    public static async ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, bool flush, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HeaderSize + payload.Length);
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)payload.Length);
            payload.Span.CopyTo(buffer.AsSpan(HeaderSize));
            await stream.WriteAsync(buffer.AsMemory(0, HeaderSize + payload.Length), cancellationToken).ConfigureAwait(false);
            if (flush)
            {
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Encodes one frame into a new array (for tests and known-answer vectors).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    /// <summary>
    /// Reads one frame. Returns <see langword="null"/> on a clean end of stream before a header.
    /// </summary>
    /// <exception cref="MessagingException"><see cref="MessagingError.FrameTooLarge"/> or <see cref="MessagingError.MalformedFrame"/>.</exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, int maxFrameSize, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var read = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < HeaderSize)
        {
            throw new MessagingException(MessagingError.MalformedFrame, "The stream ended inside a frame header.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0 || length > (uint)maxFrameSize)
        {
            throw new MessagingException(MessagingError.FrameTooLarge, $"Frame length {length} is outside 1..{maxFrameSize}.");
        }

        var payload = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw new MessagingException(MessagingError.MalformedFrame, "The stream ended inside a frame.", ex);
        }

        return payload;
    }
}
