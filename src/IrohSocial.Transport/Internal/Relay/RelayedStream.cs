using System.Buffers;
using System.Net.WebSockets;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>
/// The byte stream of a spliced relay session over a <see cref="WebSocketStream"/> (one message per write). Writes are
/// buffered and go out as messages of at most <see cref="MaxMessage"/> bytes when the buffer is full or on
/// <see cref="FlushAsync(CancellationToken)"/> (SslStream flushes after its handshake messages, the multiplexer after
/// each batch it writes), so the end-to-end TLS records (16 KiB + 22 bytes each) travel two per message instead of
/// one. <see cref="PeerId"/> is the id the relay says is at the other end; the TLS handshake over this stream is what
/// proves it.
/// </summary>
internal sealed class RelayedStream : Stream
{
    /// <summary>
    /// Largest WebSocket message written; about half the relay's default limit (64 KiB). 32 KiB less the 8 bytes of a
    /// client frame header (2 + 2-byte length + 4-byte mask): a full message is then exactly two 16 KiB records of the
    /// TLS to the relay, where a one-record message (16,406 bytes + 8) took a full record and a second one for its last 30 bytes, so each
    /// end-to-end record cost two records, two AEAD calls and two socket writes on each relay hop.
    /// </summary>
    public const int MaxMessage = (32 * 1024) - 8;

    private readonly WebSocket _socket;
    private readonly WebSocketStream _inner;

    // Pending bytes of the next message; rented on first write, returned on dispose.
    private byte[]? _pending;
    private int _pendingLength;

    public RelayedStream(WebSocket socket, EndpointId peerId)
    {
        _socket = socket;
        _inner = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true);
        PeerId = peerId;
    }

    public EndpointId PeerId { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            if (_pendingLength == 0 && buffer.Length >= MaxMessage)
            {
                // A whole message from the caller's memory: no copy.
                await _inner.WriteAsync(buffer[..MaxMessage], cancellationToken).ConfigureAwait(false);
                buffer = buffer[MaxMessage..];
                continue;
            }

            _pending ??= ArrayPool<byte>.Shared.Rent(MaxMessage);
            var take = Math.Min(buffer.Length, MaxMessage - _pendingLength);
            buffer.Span[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            buffer = buffer[take..];
            if (_pendingLength == MaxMessage)
            {
                await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Sends the buffered bytes as one message (nothing when the buffer is empty).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _pendingLength == 0 ? Task.CompletedTask : SendPendingAsync(cancellationToken).AsTask();

    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        var length = _pendingLength;
        _pendingLength = 0;
        await _inner.WriteAsync(_pending.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Drops the socket at once (no close handshake).</summary>
    public void Abort() => _socket.Abort();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            ReturnPending();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        ReturnPending();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    // Unflushed bytes are dropped, as a socket drops what was never sent: SslStream flushes what it must deliver.
    private void ReturnPending()
    {
        if (Interlocked.Exchange(ref _pending, null) is { } pending)
        {
            ArrayPool<byte>.Shared.Return(pending);
        }
    }
}
