using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Tcp;

/// <summary>The TCP/TLS provider: a TCP listener, TLS 1.3 handshakes with identity certificates, multiplexed connections.</summary>
internal sealed class TcpEndpoint : ProviderEndpoint
{
    private readonly EndpointContext _ctx;
    private readonly Socket _listener;
    private readonly ConnectionRegistry<MuxConnection> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptLoop;

    private TcpEndpoint(EndpointContext ctx, Socket listener)
    {
        _ctx = ctx;
        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public override TransportProvider Kind => TransportProvider.TcpTls;

    public override IPEndPoint LocalEndPoint { get; }

    public static TcpEndpoint Bind(EndpointContext ctx)
    {
        var bind = ctx.Options.BindAddress;
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(bind);
            socket.Listen(512);
            return new TcpEndpoint(ctx, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override async ValueTask<ConnectionCore> ConnectAsync(IPEndPoint remote, EndpointId expected, string alpn, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_ctx.Options.HandshakeTimeout, _ctx.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, _shutdown.Token);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? ssl = null;
        MuxConnection? connection = null;
        try
        {
            try
            {
                await socket.ConnectAsync(remote, linked.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new TransportException(TransportError.ConnectionRefused, $"Could not connect to {remote}: {ex.SocketErrorCode}.", innerException: ex);
            }

            ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var verifier = new PeerVerifier(_ctx.Time, expected);
            try
            {
                await ssl.AuthenticateAsClientAsync(_ctx.ClientOptions(verifier, alpn), linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                throw HandshakeError(verifier, alpn, ex);
            }

            if (ssl.NegotiatedApplicationProtocol.ToString() != alpn)
            {
                throw new TransportException(TransportError.AlpnNotSupported, $"The peer does not accept ALPN \"{alpn}\".");
            }

            if (verifier.ProvenId is not { } proven)
            {
                throw new TransportException(TransportError.PeerVerificationFailed, "The peer presented no identity certificate.");
            }

            connection = await MuxConnection.CreateAsync(_ctx, ssl, proven, alpn, remote, isClient: true, onClosed: null, linked.Token).ConfigureAwait(false);
            try
            {
                await connection.WaitForSettingsAsync(linked.Token).ConfigureAwait(false);
            }
            catch (TransportException ex) when (ex.Error == TransportError.ConnectionLost)
            {
                throw new TransportException(TransportError.HandshakeFailed, "The peer ended the connection during the handshake (it may have refused our identity).", innerException: ex);
            }

            _connections.Track(connection);
            Log.Connected(_ctx.Logger, proven.ToShortString(), remote, alpn);
            return connection;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await CleanupAsync().ConfigureAwait(false);
            throw new TransportException(TransportError.HandshakeTimeout, $"The handshake with {remote} did not finish within {_ctx.Options.HandshakeTimeout}.");
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await CleanupAsync().ConfigureAwait(false);
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
        catch
        {
            await CleanupAsync().ConfigureAwait(false);
            throw;
        }

        async ValueTask CleanupAsync()
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else if (ssl is not null)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    public override ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken) =>
        _connections.AcceptAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        _shutdown.Cancel();
        _connections.CompleteAccepting();
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }

        await _connections.DrainAndCloseAllAsync(c => c.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed")).ConfigureAwait(false);
    }

    private static TransportException HandshakeError(PeerVerifier verifier, string alpn, Exception ex)
    {
        if (verifier.Mismatch)
        {
            return new TransportException(TransportError.EndpointIdMismatch, "The peer proved a different endpoint id than the one dialed.", innerException: ex);
        }

        if (verifier.Result is not (CertificateCheck.Valid or CertificateCheck.Missing))
        {
            return new TransportException(TransportError.PeerVerificationFailed, $"The peer's identity certificate is invalid ({verifier.Result}).", innerException: ex);
        }

        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            // OpenSSL/SChannel report the TLS alert 120 (no_application_protocol) in the message only.
            if (e.Message.Contains("no application protocol", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("no_application_protocol", StringComparison.OrdinalIgnoreCase))
            {
                return new TransportException(TransportError.AlpnNotSupported, $"The peer does not accept ALPN \"{alpn}\".", innerException: ex);
            }
        }

        return new TransportException(TransportError.HandshakeFailed, $"The TLS handshake failed: {ex.Message}", innerException: ex);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // one failed accept (e.g. reset before accept) must not stop the listener
            }

            socket.NoDelay = true;
            _ = HandleInboundAsync(socket);
        }
    }

    private async Task HandleInboundAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        using var timeout = new CancellationTokenSource(_ctx.Options.HandshakeTimeout, _ctx.Time);
        using var evicted = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, evicted.Token, _shutdown.Token);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        var handedOff = false;
        try
        {
            using (_ctx.Handshakes.Enter(evicted))
            {
                handedOff = await HandshakeAsync(ssl, remote, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Log.HandshakeFailed(_ctx.Logger, remote, "handshake timeout");
        }
        catch (OperationCanceledException) when (evicted.IsCancellationRequested)
        {
            Log.HandshakeFailed(_ctx.Logger, remote, "dropped for a newer handshake (too many pending handshakes)");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or SocketException or TransportException)
        {
            Log.HandshakeFailed(_ctx.Logger, remote, ex.Message);
        }
        finally
        {
            if (!handedOff)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>TLS handshake, identity and limits for one inbound socket; true once a connection owns <paramref name="ssl"/>.</summary>
    private async Task<bool> HandshakeAsync(SslStream ssl, IPEndPoint remote, CancellationToken cancellationToken)
    {
        var verifier = new PeerVerifier(_ctx.Time, expected: null);

        // A client without a certificate may finish the TLS handshake (standard tools can inspect our certificate
        // and ALPN) but is refused right after it; a client with a bad certificate fails the handshake itself.
        await ssl.AuthenticateAsServerAsync(_ctx.ServerOptions(verifier, allowMissingClientCertificate: true), cancellationToken).ConfigureAwait(false);
        if (verifier.ProvenId is not { } id)
        {
            Log.Refused(_ctx.Logger, remote, "no identity certificate");
            await ShutdownQuietlyAsync(ssl).ConfigureAwait(false);
            return false;
        }

        var alpn = ssl.NegotiatedApplicationProtocol.ToString();
        if (alpn.Length == 0)
        {
            Log.Refused(_ctx.Logger, remote, "no ALPN");
            await ShutdownQuietlyAsync(ssl).ConfigureAwait(false);
            return false;
        }

        // A refused peer still gets a multiplexed connection, so it learns why with a typed error instead of a reset.
        var refusal = _ctx.Limiter.TryAdmit(id);
        Action? onClosed = refusal is null ? () => _ctx.Limiter.Release(id) : null;
        MuxConnection connection;
        try
        {
            connection = await MuxConnection.CreateAsync(_ctx, ssl, id, alpn, remote, isClient: false, onClosed, cancellationToken, grantStreams: refusal is null).ConfigureAwait(false);
        }
        catch
        {
            if (refusal is null)
            {
                _ctx.Limiter.Release(id);
            }

            throw;
        }

        if (refusal is not null)
        {
            Log.Refused(_ctx.Logger, remote, refusal);
            await connection.CloseWithErrorAsync(TransportError.ConnectionLimitExceeded, refusal).ConfigureAwait(false);
            return true;
        }

        // Our TLS handshake can finish before the dialer has checked our identity (.NET validates the server
        // certificate after the TLS exchange), so a dialer that wanted another id hangs up only now. Its first
        // MAX_STREAMS proves it accepted us; until then the connection is not the app's (issue 19: such a
        // connection, handed out and dead a moment later, displaced the dialer's live one in the DM client).
        try
        {
            await connection.WaitForSettingsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _connections.Track(connection);
        Log.Accepted(_ctx.Logger, id.ToShortString(), remote, alpn);
        if (!_connections.TryOffer(connection))
        {
            await connection.CloseWithErrorAsync(TransportError.EndpointClosed, "endpoint closed").ConfigureAwait(false);
        }

        return true;
    }

    private static async Task ShutdownQuietlyAsync(SslStream ssl)
    {
        try
        {
            await ssl.ShutdownAsync().ConfigureAwait(false); // TLS close_notify
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
        }
    }
}
