namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>
/// Passes bytes between the SslStream and the multiplexer unchanged, scanning what is read with a
/// <see cref="MessagePackFrameScanner"/> so an oversized frame fails the read before the multiplexer buffers it.
/// </summary>
internal sealed class FrameLimitingStream(Stream inner, int maxFrameBytes) : Stream
{
    /// <summary>
    /// Largest inbound multiplexer frame accepted. MultiplexingStream writes at most 20 KiB of payload per frame plus a
    /// few header bytes; the margin leaves room for a peer implementation with slightly larger frames.
    /// </summary>
    public const int DefaultMaxFrameBytes = 64 * 1024;

    private readonly MessagePackFrameScanner _scanner = new(maxFrameBytes);

    /// <summary>Set once the peer broke the frame limits (the reason), so the connection can say why it closed.</summary>
    public string? Violation { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        try
        {
            _scanner.Scan(buffer.Span[..read]);
        }
        catch (MultiplexerFrameException ex)
        {
            Violation ??= ex.Message;
            throw;
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

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
