using System.Net.WebSockets;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>
/// The byte stream of a spliced relay session: a <see cref="WebSocketStream"/> whose writes are cut into messages
/// of at most <see cref="MaxMessage"/> bytes (WebSocketStream makes one message per write, and the relay caps
/// message size). <see cref="PeerId"/> is the id the relay says is at the other end; the TLS handshake over this
/// stream is what proves it.
/// </summary>
internal sealed class RelayedStream : Stream
{
    /// <summary>
    /// Largest WebSocket message written; half the relay's default limit. It must exceed a whole TLS record (16 KiB of
    /// data plus up to 256 bytes of header and tag): at 16 KiB every full record was cut into two messages, the second
    /// a few dozen bytes, doubling the frames, relay reads, relay writes and TLS records on both relay hops.
    /// </summary>
    public const int MaxMessage = 32 * 1024;

    private readonly WebSocket _socket;
    private readonly WebSocketStream _inner;

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
            var slice = buffer[..Math.Min(buffer.Length, MaxMessage)];
            await _inner.WriteAsync(slice, cancellationToken).ConfigureAwait(false);
            buffer = buffer[slice.Length..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Drops the socket at once (no close handshake).</summary>
    public void Abort() => _socket.Abort();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
