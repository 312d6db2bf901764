using System.Buffers.Binary;

namespace IrohSocial.Transport;

/// <summary>
/// Reads length-prefixed frames <c>[u32 big-endian length][payload]</c> from a stream. A length above
/// <see cref="MaxFrameSize"/> is rejected before any of the payload is read; on a <see cref="TransportStream"/> the
/// stream is then aborted with <see cref="FrameTooLargeErrorCode"/>.
/// </summary>
public sealed class FrameReader
{
    /// <summary>Default maximum frame size: 1 MiB.</summary>
    public const int DefaultMaxFrameSize = 1024 * 1024;

    /// <summary>Stream abort code used when a frame is too large or truncated.</summary>
    public const long FrameTooLargeErrorCode = 0x4652_4D45; // "FRME"

    private readonly Stream _stream;
    private readonly byte[] _header = new byte[4];

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
        var headerRead = await ReadFullyAsync(_header, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return null;
        }

        if (headerRead < _header.Length)
        {
            throw Violation(TransportError.ProtocolViolation, "The stream ended inside a frame header.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length > (uint)MaxFrameSize)
        {
            throw Violation(TransportError.FrameTooLarge, $"A frame of {length} bytes exceeds the limit of {MaxFrameSize}.");
        }

        var payload = new byte[length];
        if (await ReadFullyAsync(payload, cancellationToken).ConfigureAwait(false) < payload.Length)
        {
            throw Violation(TransportError.ProtocolViolation, "The stream ended inside a frame.");
        }

        return payload;
    }

    private async ValueTask<int> ReadFullyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await _stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private TransportException Violation(TransportError error, string message)
    {
        if (_stream is TransportStream transportStream)
        {
            transportStream.Abort(FrameTooLargeErrorCode);
        }

        return new TransportException(error, message);
    }
}
