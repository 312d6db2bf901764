using System.Buffers;
using System.Buffers.Binary;

namespace IrohSocial.Transport;

/// <summary>
/// Writes length-prefixed frames <c>[u32 big-endian length][payload]</c>, the format <see cref="FrameReader"/> reads.
/// Concurrent <see cref="WriteFrameAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls are serialized so frames never interleave.
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

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteFrameAsync(_stream, payload, flush: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Writes one frame to <paramref name="stream"/> in a single write (header and payload from one pooled buffer),
    /// flushing it when <paramref name="flush"/>. Not serialized: the caller owns the stream's write side.
    /// </summary>
    public static async ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, bool flush, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var length = FrameReader.HeaderSize + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encode(payload.Span, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
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

    /// <summary>The frame of <paramref name="payload"/>: its u32 big-endian length, then the payload.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameReader.HeaderSize + payload.Length];
        Encode(payload, frame);
        return frame;
    }

    /// <summary>
    /// Writes the frame of <paramref name="payload"/> at the start of <paramref name="destination"/> (for callers that
    /// join several frames into one write); returns its length.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the frame.</exception>
    public static int Encode(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        var length = FrameReader.HeaderSize + payload.Length;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The frame takes {length} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)payload.Length);
        payload.CopyTo(destination[FrameReader.HeaderSize..]);
        return length;
    }

    /// <summary>Releases the write lock; does not dispose the stream.</summary>
    public void Dispose() => _lock.Dispose();
}
