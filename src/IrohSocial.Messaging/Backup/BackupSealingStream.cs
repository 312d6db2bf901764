namespace IrohSocial.Messaging.Backup;

/// <summary>
/// Write-only stream that cuts what is written into chunks of the header's chunk size and seals each onto the
/// output. A full chunk is held back until more bytes follow, so the one written by <see cref="CompleteAsync"/> is
/// always the one marked final (it may be empty).
/// </summary>
internal sealed class BackupSealingStream(Stream output, BackupFormat.Keys keys, byte[] header, int chunkSize) : Stream
{
    private readonly byte[] _buffer = new byte[chunkSize];
    private int _buffered;
    private ulong _index;
    private bool _completed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (buffer.Length > 0)
        {
            if (_buffered == _buffer.Length)
            {
                // More bytes follow a full chunk, so it is not the last.
                await output.WriteAsync(BackupFormat.SealChunk(keys, header, _index++, final: false, _buffer), cancellationToken).ConfigureAwait(false);
                _buffered = 0;
            }

            var take = Math.Min(buffer.Length, _buffer.Length - _buffered);
            buffer.Span[..take].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <summary>Seals what is buffered as the final chunk and flushes the output.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        await output.WriteAsync(BackupFormat.SealChunk(keys, header, _index, final: true, _buffer.AsSpan(0, _buffered)), cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        Array.Clear(_buffer);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
