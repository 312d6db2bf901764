using System.Buffers.Binary;

namespace IrohSocial.Transport;

/// <summary>
/// Writes length-prefixed frames <c>[u32 big-endian length][payload]</c>, the format <see cref="FrameReader"/> reads.
/// Concurrent <see cref="WriteFrameAsync"/> calls are serialized so frames never interleave.
/// </summary>
public sealed class FrameWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Creates a writer over <paramref name="stream"/>.</summary>
    public FrameWriter(Stream stream, int maxFrameSize = FrameReader.DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, 0, nameof(maxFrameSize));
        _stream = stream;
        MaxFrameSize = maxFrameSize;
    }

    /// <summary>Largest payload written.</summary>
    public int MaxFrameSize { get; }

    /// <summary>Writes one frame and flushes it.</summary>
    /// <exception cref="TransportException"><see cref="TransportError.FrameTooLarge"/> when the payload exceeds <see cref="MaxFrameSize"/> (nothing is written).</exception>
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > MaxFrameSize)
        {
            throw new TransportException(TransportError.FrameTooLarge, $"A frame of {payload.Length} bytes exceeds the limit of {MaxFrameSize}.");
        }

        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.Span.CopyTo(frame.AsSpan(4));
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Releases the write lock; does not dispose the stream.</summary>
    public void Dispose() => _lock.Dispose();
}
