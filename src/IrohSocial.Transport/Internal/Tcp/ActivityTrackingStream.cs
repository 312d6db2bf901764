namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// Sits between the multiplexer and the SslStream. It records when bytes last arrived (idle timeout) and flags the
/// end of the transport <em>before</em> the multiplexer learns of it, so a stream that then sees its channel end
/// can tell a lost connection from a clean finish.
/// </summary>
internal sealed class ActivityTrackingStream(Stream inner, TimeProvider time) : Stream
{
    private long _lastReceived = time.GetTimestamp();
    private volatile bool _ended;

    public bool Ended => _ended;

    public TimeSpan SinceLastReceive => time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _ended = true;
            throw;
        }

        if (read == 0)
        {
            _ended = true;
        }
        else
        {
            Interlocked.Exchange(ref _lastReceived, time.GetTimestamp());
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _ended = true;
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _ended = true;
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
