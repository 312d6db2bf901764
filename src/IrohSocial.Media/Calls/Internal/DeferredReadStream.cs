namespace IrohSocial.Media.Calls.Internal;

/// <summary>
/// A read-only stream whose source arrives later: the audio sender must start before the peer's report
/// stream exists (the peer opens it only once our audio arrives), so reads wait until it is attached. The
/// router has already read the stream's preamble; the prefix gives those bytes back to the reader.
/// </summary>
internal sealed class DeferredReadStream : Stream
{
    private readonly TaskCompletionSource<Stream> _inner = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _prefix = [];
    private int _prefixOffset;
    private int _disposed;

    public bool TryAttach(Stream stream, byte[] prefix)
    {
        if (_inner.Task.IsCompleted)
        {
            return false;
        }

        _prefix = prefix;
        return _inner.TrySetResult(stream);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Stream inner = await _inner.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_prefixOffset < _prefix.Length)
        {
            int count = Math.Min(buffer.Length, _prefix.Length - _prefixOffset);
            _prefix.AsMemory(_prefixOffset, count).CopyTo(buffer);
            _prefixOffset += count;
            return count;
        }

        return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _inner.TrySetException(new ObjectDisposedException(nameof(DeferredReadStream)));
        if (_inner.Task.IsCompletedSuccessfully)
        {
            await _inner.Task.Result.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _inner.TrySetException(new ObjectDisposedException(nameof(DeferredReadStream)));
            if (_inner.Task.IsCompletedSuccessfully)
            {
                _inner.Task.Result.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
