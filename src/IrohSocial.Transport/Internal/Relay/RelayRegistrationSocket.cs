using System.Net.WebSockets;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Relay;

/// <summary>An accepted registration: the socket on which the relay announces incoming dials.</summary>
internal sealed class RelayRegistrationSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    public RelayRegistrationSocket(ClientWebSocket socket) => _socket = socket;

    /// <summary>Waits for the next incoming dial.</summary>
    /// <exception cref="TransportException">The registration ended: <see cref="TransportError.RelayRefused"/> with the
    /// relay's reason (replaced, shutting down, ...) as <see cref="TransportException.ApplicationErrorCode"/>, or
    /// <see cref="TransportError.ConnectionLost"/>.</exception>
    public async Task<RelayIncoming> ReadIncomingAsync(CancellationToken cancellationToken)
    {
        var frame = await RelayClient.ReadControlAsync(_socket, cancellationToken).ConfigureAwait(false);
        if (frame.Length == 1 + EndpointId.Size + RelayProtocol.SessionTokenSize && frame[0] == (byte)RelayFrameType.Incoming)
        {
            return new RelayIncoming(new EndpointId(frame.AsSpan(1, EndpointId.Size)), frame[(1 + EndpointId.Size)..]);
        }

        throw RelayClient.RefusalOrViolation(frame);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "unregister", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        _socket.Abort();
        _socket.Dispose();
    }
}
