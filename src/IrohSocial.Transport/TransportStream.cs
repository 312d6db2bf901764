using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport;

/// <summary>
/// One stream of a <see cref="Connection"/>. Reads return 0 only after the peer finished its side
/// (<see cref="CompleteWrites"/>); a stream cut off by an abort or a lost connection throws <see cref="TransportException"/>.
/// Disposing completes writes and stops reading.
/// </summary>
public sealed class TransportStream : Stream
{
    private readonly StreamCore _core;
    private int _disposed;

    internal TransportStream(StreamCore core)
    {
        _core = core;
    }

    /// <summary>Stream id, unique within the connection (QUIC numbering: bit 0 = opened by the server side, bit 1 = unidirectional).</summary>
    public long Id => _core.Id;

    /// <summary>Whether both sides can write.</summary>
    public bool IsBidirectional => _core.IsBidirectional;

    /// <inheritdoc />
    public override bool CanRead => _core.CanRead;

    /// <inheritdoc />
    public override bool CanWrite => _core.CanWrite;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Ends this side's writing (FIN): the peer reads the remaining data, then 0. Do not call during a pending write.</summary>
    public void CompleteWrites() => _core.CompleteWrites();

    /// <summary>Aborts both directions with <paramref name="errorCode"/> (0 to 2^62-1); the peer's reads and writes fail with it.</summary>
    public void Abort(long errorCode) => _core.Abort(errorCode);

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _core.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _core.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) =>
        _core.ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _core.WriteAsync(buffer, completeWrites: false, cancellationToken);

    /// <summary>Writes and, when <paramref name="completeWrites"/> is set, finishes this side in the same call.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken = default) =>
        _core.WriteAsync(buffer, completeWrites, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _core.WriteAsync(buffer.AsMemory(offset, count), completeWrites: false, cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) =>
        _core.WriteAsync(buffer.AsMemory(offset, count), completeWrites: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _core.FlushAsync(cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Flush() => _core.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _core.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _core.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}
