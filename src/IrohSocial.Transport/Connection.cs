using System.Net;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;

namespace IrohSocial.Transport;

/// <summary>
/// An authenticated, encrypted connection to one peer, carrying any number of streams. <see cref="RemoteId"/> is
/// proven by the TLS handshake. Dispose (or <see cref="CloseAsync"/>) to close it.
/// </summary>
public sealed class Connection : IAsyncDisposable
{
    private readonly ConnectionCore _core;

    internal Connection(ConnectionCore core)
    {
        _core = core;
    }

    /// <summary>The peer's proven identity.</summary>
    public EndpointId RemoteId => _core.RemoteId;

    /// <summary>The negotiated application protocol.</summary>
    public string Alpn => _core.Alpn;

    /// <summary>The peer's socket address.</summary>
    public IPEndPoint RemoteAddress => _core.RemoteAddress;

    /// <summary>
    /// The network stack carrying this connection: <see cref="TransportProvider.Quic"/> or
    /// <see cref="TransportProvider.TcpTls"/>, never <see cref="TransportProvider.Auto"/>. Over <c>TcpTls</c> all streams
    /// share one ordered TCP byte stream, so bytes written on one stream wait behind bytes already written on another
    /// (head-of-line blocking); over QUIC streams are delivered independently. Latency-sensitive protocols use it to
    /// decide whether a second connection is worth it (calls put video on its own connection over <c>TcpTls</c>).
    /// </summary>
    public TransportProvider Provider => _core.Provider;

    /// <summary>
    /// The path this connection travels: <see cref="ConnectionPath.Quic"/>, <see cref="ConnectionPath.Tcp"/> or
    /// <see cref="ConnectionPath.Relay"/> (through a relay; then <see cref="RemoteAddress"/> is <c>IPAddress.None</c>). A relayed connection runs the same TLS and multiplexer as TCP, so its
    /// <see cref="Provider"/> is <see cref="TransportProvider.TcpTls"/>.
    /// </summary>
    public ConnectionPath Path => _core.Path;

    /// <summary>Completes (never faults) when the connection has ended for any reason.</summary>
    public Task Closed => _core.Closed;

    internal ConnectionCore Core => _core;

    /// <summary>Opens a stream both sides can read and write. Waits while the peer's stream limit is reached.</summary>
    public async ValueTask<TransportStream> OpenBidirectionalStreamAsync(CancellationToken cancellationToken = default) =>
        new(await _core.OpenStreamAsync(bidirectional: true, cancellationToken).ConfigureAwait(false));

    /// <summary>Opens a stream only this side writes. Waits while the peer's stream limit is reached.</summary>
    public async ValueTask<TransportStream> OpenUnidirectionalStreamAsync(CancellationToken cancellationToken = default) =>
        new(await _core.OpenStreamAsync(bidirectional: false, cancellationToken).ConfigureAwait(false));

    /// <summary>Waits for the next stream the peer opens.</summary>
    /// <exception cref="TransportException"><see cref="TransportError.ConnectionClosed"/> (or the reason it ended) once the connection is closed.</exception>
    public async ValueTask<TransportStream> AcceptStreamAsync(CancellationToken cancellationToken = default) =>
        new(await _core.AcceptStreamAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Closes the connection, telling the peer <paramref name="errorCode"/> (0 to 2^62-2^16-1) and, on the TCP provider,
    /// <paramref name="reason"/> (QUIC does not transmit it). Unsent stream data may be lost, as with QUIC: finish
    /// your protocol's exchange before closing.
    /// </summary>
    public ValueTask CloseAsync(long errorCode, string reason, CancellationToken cancellationToken = default)
    {
        CloseCodes.ValidateApplicationCode(errorCode, nameof(errorCode));
        return _core.CloseAsync(errorCode, reason ?? "", cancellationToken);
    }

    /// <summary>Closes with code 0 if still open and releases resources.</summary>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <summary>Peer id, address and ALPN, for logs.</summary>
    public override string ToString() => $"{RemoteId.ToShortString()}@{RemoteAddress} ({Alpn}, {Path})";
}
