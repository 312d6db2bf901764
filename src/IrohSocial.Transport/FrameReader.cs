using System.Buffers.Binary;

namespace IrohSocial.Transport;

/// <summary>
/// Reads length-prefixed frames <c>[u32 big-endian length][payload]</c> from a stream. A length above
/// <see cref="MaxFrameSize"/> is rejected before any of the payload is read; on a <see cref="TransportStream"/> the
/// stream is then aborted with <see cref="FrameTooLargeErrorCode"/>. The SDK's one framing implementation: the DM
/// protocol reads its frames with <see cref="ReadFrameAsync(Stream, int, CancellationToken)"/>.
/// </summary>
public sealed class FrameReader
{
    /// <summary>Default maximum frame size: 1 MiB.</summary>
    public const int DefaultMaxFrameSize = 1024 * 1024;

    /// <summary>Stream abort code used when a frame is too large or truncated.</summary>
    public const long FrameTooLargeErrorCode = 0x4652_4D45; // "FRME"

    /// <summary>Bytes of the length prefix.</summary>
    public const int HeaderSize = 4;

    private readonly Stream _stream;

    /// <summary>Creates a reader over <paramref name="stream"/>.</summary>
    public FrameReader(Stream stream, int maxFrameSize = DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, 0, nameof(maxFrameSize));
        _stream = stream;
        MaxFrameSize = maxFrameSize;
    }

    /// <summary>Largest payload accepted.</summary>
    public int MaxFrameSize { get; }

    /// <summary>Reads the next frame's payload; null when the stream ended cleanly between frames.</summary>
    /// <exception cref="TransportException">
    /// <see cref="TransportError.FrameTooLarge"/> for an oversized length, <see cref="TransportError.ProtocolViolation"/>
    /// when the stream ends inside a frame, or the stream's own error.
    /// </exception>
    public async ValueTask<byte[]?> ReadFrameAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await ReadFrameAsync(_stream, MaxFrameSize, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportException ex) when (ex.Error is TransportError.FrameTooLarge or TransportError.ProtocolViolation)
        {
            if (_stream is TransportStream transportStream)
            {
                transportStream.Abort(FrameTooLargeErrorCode);
            }

            throw;
        }
    }

    /// <summary>
    /// Reads one frame's payload from <paramref name="stream"/> without aborting it on bad input (the caller decides
    /// how to close); null when the stream ended cleanly between frames.
    /// </summary>
    /// <exception cref="TransportException">
    /// <see cref="TransportError.FrameTooLarge"/> for a length above <paramref name="maxFrameSize"/> (nothing of the
    /// payload is read), <see cref="TransportError.ProtocolViolation"/> when the stream ends inside a frame.
    /// </exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, int maxFrameSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[HeaderSize];
        var headerRead = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return null;
        }

        if (headerRead < HeaderSize)
        {
            throw new TransportException(TransportError.ProtocolViolation, "The stream ended inside a frame header.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)maxFrameSize)
        {
            throw new TransportException(TransportError.FrameTooLarge, $"A frame of {length} bytes exceeds the limit of {maxFrameSize}.");
        }

        var payload = new byte[length];
        if (await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < payload.Length)
        {
            throw new TransportException(TransportError.ProtocolViolation, "The stream ended inside a frame.");
        }

        return payload;
    }
}
