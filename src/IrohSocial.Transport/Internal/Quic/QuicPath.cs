using System.Net;
using System.Net.Quic;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Authentication;
using IrohSocial.Crypto;

namespace IrohSocial.Transport.Internal.Quic;

/// <summary>The QUIC path (System.Net.Quic over msquic): same identity certificates and ALPNs as TCP/TLS.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("windows")]
[SupportedOSPlatform("macos")]
internal sealed class QuicPath : IEndpointPath
{
    private readonly EndpointContext _ctx;
    private readonly QuicListener _listener;
    private readonly ConnectionRegistry<QuicConnectionCore> _connections = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptLoop;

    private QuicPath(EndpointContext ctx, QuicListener listener)
    {
        _ctx = ctx;
        _listener = listener;
        _acceptLoop = AcceptLoopAsync();
    }

    public ConnectionPath Kind => ConnectionPath.Quic;

    public string Name => $"quic {LocalEndPoint}";

    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>Listens on UDP <paramref name="bind"/>.</summary>
    /// <exception cref="SocketException">The address is in use (also when another QUIC listener on the port already
    /// serves our ALPNs: msquic shares UDP ports between listeners and reports that as <see cref="QuicError.AlpnInUse"/>).</exception>
    /// <exception cref="QuicException">The address cannot be bound for another reason.</exception>
    public static async ValueTask<QuicPath> BindAsync(EndpointContext ctx, IPEndPoint bind, CancellationToken cancellationToken)
    {
        try
        {
            return await ListenAsync(ctx, bind, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex) when (ex.QuicError == QuicError.AlpnInUse)
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse, $"UDP {bind} is already used by another QUIC listener for the same protocols.");
        }
    }

    private static async ValueTask<QuicPath> ListenAsync(EndpointContext ctx, IPEndPoint bind, CancellationToken cancellationToken)
    {
        var listener = await QuicListener.ListenAsync(
            new QuicListenerOptions
            {
                ListenEndPoint = bind,
                ApplicationProtocols = ctx.Alpns.Select(a => new SslApplicationProtocol(a)).ToList(),
                ListenBacklog = Math.Min(ctx.Options.MaxConnections, 512),
                ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(ServerConnectionOptions(ctx)),
            },
            cancellationToken).ConfigureAwait(false);
        return new QuicPath(ctx, listener);
    }

    private static QuicServerConnectionOptions ServerConnectionOptions(EndpointContext ctx)
    {
        var options = new QuicServerConnectionOptions
        {
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            ServerAuthenticationOptions = ctx.ServerOptions(new PeerVerifier(ctx.Time, expected: null), allowMissingClientCertificate: false),
        };
        ApplyLimits(ctx, options);
        return options;
    }

    private static void ApplyLimits(EndpointContext ctx, QuicConnectionOptions options)
    {
        options.MaxInboundBidirectionalStreams = ctx.Options.MaxStreamsPerConnection;
        options.MaxInboundUnidirectionalStreams = ctx.Options.MaxStreamsPerConnection;
        options.IdleTimeout = ctx.Options.IdleTimeout;
        options.KeepAliveInterval = ctx.Options.KeepAliveInterval == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : ctx.Options.KeepAliveInterval;
        options.HandshakeTimeout = ctx.Options.HandshakeTimeout;
    }

    public IReadOnlyList<DialCandidate> CandidatesFor(EndpointAddr addr) => DialCandidate.Direct(addr);

    public async ValueTask<ConnectionCore> ConnectAsync(DialCandidate candidate, EndpointId expected, string alpn, CancellationToken cancellationToken)
    {
        var remote = candidate.DirectAddress ?? throw new ArgumentException("The QUIC path dials direct addresses only.", nameof(candidate));
        var verifier = new PeerVerifier(_ctx.Time, expected);
        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = remote,
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            ClientAuthenticationOptions = _ctx.ClientOptions(verifier, alpn),
        };
        ApplyLimits(_ctx, options);
        QuicConnection connection;
        try
        {
            connection = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            // ICMP "port unreachable" / "no route" surfaces as a raw socket error: nothing answers QUIC there.
            throw new TransportException(TransportError.ConnectionRefused, $"Could not reach {remote} over QUIC: {ex.SocketErrorCode}.", innerException: ex);
        }
        catch (Exception ex) when (ex is AuthenticationException or QuicException)
        {
            if (verifier.Mismatch)
            {
                throw new TransportException(TransportError.EndpointIdMismatch, "The peer proved a different endpoint id than the one dialed.", innerException: ex);
            }

            if (verifier.Result is not (CertificateCheck.Valid or CertificateCheck.Missing))
            {
                throw new TransportException(TransportError.PeerVerificationFailed, $"The peer's identity certificate is invalid ({verifier.Result}).", innerException: ex);
            }

            if (ex is AuthenticationException && QuicErrors.IsAlpnRefusal(ex))
            {
                throw new TransportException(TransportError.AlpnNotSupported, $"The peer does not accept ALPN \"{alpn}\".", innerException: ex);
            }

            throw ex is QuicException quic
                ? QuicErrors.Map(quic)
                : new TransportException(TransportError.HandshakeFailed, ex.Message, innerException: ex);
        }

        if (verifier.ProvenId is not { } proven || connection.NegotiatedApplicationProtocol.ToString() != alpn)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new TransportException(TransportError.AlpnNotSupported, $"The peer did not negotiate ALPN \"{alpn}\".");
        }

        var core = new QuicConnectionCore(connection, proven, alpn, isClient: true, onClosed: null);
        _connections.Track(core, _ctx.Telemetry);
        Log.Connected(_ctx.Logger, proven.ToShortString(), remote, alpn);
        return core;
    }

    public ValueTask<ConnectionCore> AcceptAsync(CancellationToken cancellationToken) =>
        _connections.AcceptAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        _shutdown.Cancel();
        _connections.CompleteAccepting();
        await _listener.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
        }

        await _connections.DrainAndCloseAllAsync(c => c.CloseWithErrorAsync(TransportError.EndpointClosed).AsTask()).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            QuicConnection connection;
            try
            {
                connection = await _listener.AcceptConnectionAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex) when (ex is QuicException or AuthenticationException)
            {
                Log.HandshakeFailed(_ctx.Logger, null, ex.Message); // one failed handshake must not stop the listener
                _ctx.Telemetry.AcceptFailed(ConnectionPath.Quic, TransportTelemetry.ErrorTypes.HandshakeFailed);
                continue;
            }

            var check = IdentityCertificate.Verify(connection.RemoteCertificate, _ctx.Time.GetUtcNow(), out var id);
            if (check != CertificateCheck.Valid)
            {
                Log.Refused(_ctx.Logger, connection.RemoteEndPoint, $"identity certificate {check}");
                _ctx.Telemetry.AcceptFailed(ConnectionPath.Quic, TransportTelemetry.ErrorTypes.Refused);
                await connection.DisposeAsync().ConfigureAwait(false);
                continue;
            }

            if (_ctx.Limiter.TryAdmit(id) is { } refusal)
            {
                Log.Refused(_ctx.Logger, connection.RemoteEndPoint, refusal);
                _ctx.Telemetry.AcceptFailed(ConnectionPath.Quic, TransportTelemetry.ErrorTypes.Refused);
                await CloseQuietlyAsync(connection, CloseCodes.For(TransportError.ConnectionLimitExceeded)).ConfigureAwait(false);
                continue;
            }

            var alpn = connection.NegotiatedApplicationProtocol.ToString();
            var core = new QuicConnectionCore(connection, id, alpn, isClient: false, onClosed: () => _ctx.Limiter.Release(id));
            _connections.Track(core, _ctx.Telemetry);
            Log.Accepted(_ctx.Logger, id.ToShortString(), connection.RemoteEndPoint, alpn);
            if (!_connections.TryOffer(core))
            {
                await core.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task CloseQuietlyAsync(QuicConnection connection, long code)
    {
        try
        {
            await connection.CloseAsync(code).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or ObjectDisposedException)
        {
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
