using System.Net;
using System.Threading.Channels;
using IrohSocial.Crypto;
using IrohSocial.Transport.Internal;
using IrohSocial.Transport.Internal.Quic;
using IrohSocial.Transport.Internal.Relay;
using IrohSocial.Transport.Internal.Tcp;

namespace IrohSocial.Transport;

/// <summary>
/// A local endpoint: an ed25519 identity listening on one or more paths (QUIC over UDP, TLS over TCP). It dials peers by
/// <see cref="EndpointAddr"/>, racing its paths, and accepts connections from all of them; every connection's identity
/// is proven by mutual TLS 1.3. Create with <see cref="BindAsync"/>; dispose to close the listeners and every connection.
/// </summary>
public sealed partial class Endpoint : IAsyncDisposable
{
    // When port 0 was asked for, TCP picks a port and QUIC takes the same number on UDP; if that UDP port is taken
    // by someone else, try a fresh pair a few times before giving up on the shared number.
    private const int SharedPortAttempts = 5;

    private readonly EndpointContext _ctx;
    private readonly IReadOnlyList<IEndpointPath> _paths;
    private readonly Channel<ConnectionCore> _accepted = Channel.CreateUnbounded<ConnectionCore>();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Task _acceptPumps;
    private int _disposed;

    private Endpoint(EndpointContext ctx, IReadOnlyList<IEndpointPath> paths)
    {
        _ctx = ctx;
        _paths = paths;
        Id = ctx.Id;
        LocalEndPoint = paths[0].LocalEndPoint!;
        Paths = paths.Select(p => p.Kind).ToArray();
        RelayPath = paths.OfType<RelayPath>().FirstOrDefault();
        // A loopback endpoint never leaves the host: no network change reaches its paths, so none is watched.
        _ownsNetwork = ctx.Options.NetworkMonitor is null && !System.Net.IPAddress.IsLoopback(LocalEndPoint.Address);
        _network = ctx.Options.NetworkMonitor ?? (_ownsNetwork ? new SystemNetworkMonitor() : null);
        _addr = new EndpointAddr(Id, DirectAddressesNow(), ctx.Options.RelayUrls.FirstOrDefault()?.ToUri()) { Mailbox = ctx.Options.Mailbox };
        _acceptPumps = Task.WhenAll(paths.Select(PumpAcceptsAsync));
        if (_network is not null)
        {
            _network.Changed += OnNetworkChanged;
        }
    }

    /// <summary>This endpoint's identity (the public key of <see cref="EndpointOptions.SecretKey"/>).</summary>
    public EndpointId Id { get; }

    /// <summary>
    /// How peers reach this endpoint (share it with <see cref="EndpointAddr.ToTicket"/>). Its direct addresses are
    /// refreshed when the network changes (see <see cref="NetworkChanged"/>).
    /// </summary>
    public EndpointAddr Addr => Volatile.Read(ref _addr);

    /// <summary>
    /// The preferred network stack in use, never <see cref="TransportProvider.Auto"/>: <see cref="TransportProvider.Quic"/>
    /// when this endpoint listens on QUIC (possibly beside TCP, see <see cref="Paths"/>), otherwise
    /// <see cref="TransportProvider.TcpTls"/>.
    /// </summary>
    public TransportProvider Provider => Paths.Contains(ConnectionPath.Quic) ? TransportProvider.Quic : TransportProvider.TcpTls;

    /// <summary>The paths this endpoint listens and dials on, in order of preference (QUIC before TCP).</summary>
    public IReadOnlyList<ConnectionPath> Paths { get; }

    /// <summary>The ALPNs this endpoint accepts.</summary>
    public IReadOnlyList<string> Alpns => _ctx.Alpns;

    /// <summary>
    /// Whether the port was picked by the OS (bound with port 0), so it changes with every bind: peers cannot count on
    /// reaching this endpoint at it after a restart (they reach it through its relay, or once it dials them).
    /// </summary>
    public bool HasEphemeralPort => _ctx.Options.BindAddress.Port == 0;

    /// <summary>The bound local socket address (QUIC on UDP and TCP share its port number).</summary>
    public IPEndPoint LocalEndPoint { get; }

    internal EndpointContext Context => _ctx;

    /// <summary>The relay path when <see cref="EndpointOptions.RelayUrls"/> names home relays.</summary>
    internal RelayPath? RelayPath { get; }

    /// <summary>Where this endpoint looks for peers on the LAN (<see cref="EndpointOptions.LocalDiscovery"/>), or null.</summary>
    public ILocalDiscovery? LocalDiscovery => _ctx.Options.LocalDiscovery;

    /// <summary>Whether this endpoint is registered on at least one of its home relays right now.</summary>
    public bool IsRelayRegistered => RelayPath?.IsRegistered ?? false;

    /// <summary>Completes once this endpoint is registered on its preferred home relay (at once when it has none).</summary>
    public Task WaitForRelayAsync(CancellationToken cancellationToken = default) =>
        RelayPath?.WaitRegisteredAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Binds a new endpoint. Port 0 picks a free port (the same number for UDP and TCP).</summary>
    /// <exception cref="PlatformNotSupportedException"><see cref="TransportProvider.Quic"/> was forced and QUIC is not supported here.</exception>
    public static ValueTask<Endpoint> BindAsync(EndpointOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        return BindCoreAsync(options, cancellationToken);
    }

    private static async ValueTask<Endpoint> BindCoreAsync(EndpointOptions options, CancellationToken cancellationToken)
    {
        var ctx = new EndpointContext(options);
        try
        {
            if (options.MsQuicLibraryPath is { } msquic)
            {
                QuicLibrary.Load(msquic); // before the runtime's first (and only) look for msquic
            }

            var quicSupported = QuicSupport.IsSupported;
            var (useQuic, useTcp, reason) = options.Provider switch
            {
                TransportProvider.Quic when !quicSupported => throw new PlatformNotSupportedException(
                    "QUIC was requested but System.Net.Quic is not supported here (libmsquic is missing); use TransportProvider.TcpTls or Auto."),
                TransportProvider.Quic => (true, false, "QUIC forced by options"),
                TransportProvider.TcpTls => (false, true, "TCP/TLS forced by options"),
                _ when quicSupported => (true, true, "QUIC is supported here; TCP/TLS beside it for peers without QUIC"),
                _ => (false, true, "QUIC is not supported here (no libmsquic); TLS 1.3 over TCP only"),
            };
            var paths = await BindPathsAsync(ctx, useQuic, useTcp, cancellationToken).ConfigureAwait(false);
            if (options.RelayUrls.Count > 0)
            {
                paths = [.. paths, new RelayPath(ctx, options.RelayUrls)];
            }

            var endpoint = new Endpoint(ctx, paths);
            if (options.LocalDiscovery is { } discovery)
            {
                try
                {
                    await discovery.StartAsync(endpoint.Addr, options.AnnounceOnLocalNetwork, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await endpoint.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            Log.Bound(ctx.Logger, ctx.Id.ToShortString(), string.Join(", ", paths.Select(p => p.Name)), reason);
            if (paths.Any(p => p.Kind == ConnectionPath.Quic))
            {
                Log.MsQuicInUse(ctx.Logger, MsQuicVersion.Read() ?? "unknown");
            }

            return endpoint;
        }
        catch
        {
            ctx.Dispose();
            throw;
        }
    }

    private static async ValueTask<IReadOnlyList<IEndpointPath>> BindPathsAsync(EndpointContext ctx, bool useQuic, bool useTcp, CancellationToken cancellationToken)
    {
        var bind = ctx.Options.BindAddress;
        if (!useTcp)
        {
            return [await QuicSupport.BindAsync(ctx, bind, cancellationToken).ConfigureAwait(false)];
        }

        if (!useQuic)
        {
            return [TcpPath.Bind(ctx, bind)];
        }

        // Both: TCP first (its port is known at once), then QUIC on the same port number over UDP.
        for (var attempt = 1; ; attempt++)
        {
            var tcp = TcpPath.Bind(ctx, bind);
            try
            {
                var quic = await QuicSupport.BindAsync(ctx, new IPEndPoint(bind.Address, tcp.LocalEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return [quic, tcp];
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await tcp.DisposeAsync().ConfigureAwait(false);
                if (bind.Port == 0 && attempt < SharedPortAttempts)
                {
                    continue;
                }

                // UDP unusable (port taken, msquic failing): TCP alone still reaches everyone, so keep going without QUIC.
                Log.QuicUnavailable(ctx.Logger, ex.Message);
                return [TcpPath.Bind(ctx, bind)];
            }
        }
    }

    /// <summary>
    /// Dials <paramref name="addr"/> and negotiates <paramref name="alpn"/>, racing this endpoint's paths over the
    /// peer's addresses (QUIC first, TCP after a short head start; each path tries the addresses in order). Succeeds
    /// only if the peer proves <see cref="EndpointAddr.Id"/> and accepts the ALPN and this endpoint; the first path to
    /// get there wins and the others are cancelled.
    /// </summary>
    /// <exception cref="TransportException">
    /// <see cref="TransportError.ConnectionRefused"/>, <see cref="TransportError.HandshakeTimeout"/>,
    /// <see cref="TransportError.EndpointIdMismatch"/>, <see cref="TransportError.PeerVerificationFailed"/>,
    /// <see cref="TransportError.AlpnNotSupported"/>, <see cref="TransportError.HandshakeFailed"/>,
    /// <see cref="TransportError.ConnectionLimitExceeded"/>.
    /// </exception>
    public async ValueTask<Connection> ConnectAsync(EndpointAddr addr, string alpn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addr);
        ArgumentNullException.ThrowIfNull(addr.DirectAddresses);
        EndpointOptions.ValidateAlpn(alpn, nameof(alpn));
        ThrowIfDisposed();
        // A fresh LAN hit goes first: the known addresses may be stale, and the relay starts only after a head start.
        var discovery = _ctx.Options.LocalDiscovery;
        var lanHit = discovery?.Find(addr.Id, _ctx.Options.LocalDiscoveryMaxAge);
        if (lanHit is not null)
        {
            addr = addr with { DirectAddresses = [.. lanHit.Addresses, .. addr.DirectAddresses.Except(lanHit.Addresses)] };
        }

        try
        {
            if (addr.DirectAddresses.Count == 0 && addr.RelayUrl is null && RelayPath is null)
            {
                throw new TransportException(TransportError.ConnectionRefused, $"No direct address is known for {addr.Id.ToShortString()}.");
            }

            var core = await PathDialer.DialAsync(_paths, addr, alpn, _ctx, cancellationToken).ConfigureAwait(false);
            return new Connection(core);
        }
        catch (TransportException) when (discovery is not null && lanHit is null && !cancellationToken.IsCancellationRequested)
        {
            // The miss above sent a LAN query; its answer may arrive just after a stale address failed (a fresh
            // process dials at once), or only to a second query. Wait briefly for it and dial there before giving up.
            if (await WaitForLanHitAsync(discovery, addr.Id, cancellationToken).ConfigureAwait(false) is not { } late)
            {
                throw;
            }

            var core = await PathDialer.DialAsync(_paths, addr with { DirectAddresses = late.Addresses }, alpn, _ctx, cancellationToken).ConfigureAwait(false);
            return new Connection(core);
        }
    }

    /// <summary>
    /// How long a failed dial waits for a LAN answer to the queries its misses send: long enough for a second query
    /// (mDNS queriers wait a second between the first two, and a responder that just answered someone else stays quiet
    /// for a second).
    /// </summary>
    private static readonly TimeSpan LanAnswerWait = TimeSpan.FromSeconds(2.5);

    private async Task<LocalPeer?> WaitForLanHitAsync(ILocalDiscovery discovery, EndpointId id, CancellationToken cancellationToken)
    {
        var started = _ctx.Options.TimeProvider.GetTimestamp();
        while (true)
        {
            if (discovery.Find(id, _ctx.Options.LocalDiscoveryMaxAge) is { } hit)
            {
                return hit;
            }

            if (_ctx.Options.TimeProvider.GetElapsedTime(started) >= LanAnswerWait)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _ctx.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Dials <paramref name="addr"/> over the direct paths only (QUIC, TCP), never through a relay: for moving a
    /// conversation that started relayed onto a direct path once the peer has told its addresses. The peer must prove
    /// <see cref="EndpointAddr.Id"/> exactly as with <see cref="ConnectAsync"/>.
    /// </summary>
    /// <exception cref="TransportException">As <see cref="ConnectAsync"/>; <see cref="TransportError.ConnectionRefused"/> when
    /// <paramref name="addr"/> has no direct address.</exception>
    public async ValueTask<Connection> ConnectDirectAsync(EndpointAddr addr, string alpn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addr);
        ArgumentNullException.ThrowIfNull(addr.DirectAddresses);
        EndpointOptions.ValidateAlpn(alpn, nameof(alpn));
        ThrowIfDisposed();
        if (addr.DirectAddresses.Count == 0)
        {
            throw new TransportException(TransportError.ConnectionRefused, $"No direct address is known for {addr.Id.ToShortString()}.");
        }

        var direct = _paths.Where(p => p.Kind != ConnectionPath.Relay).ToArray();
        var core = await PathDialer.DialAsync(direct, addr, alpn, _ctx, cancellationToken).ConfigureAwait(false);
        return new Connection(core);
    }

    /// <summary>Waits for the next inbound connection on any path whose identity is proven (the <see cref="Router"/> calls this).</summary>
    /// <exception cref="TransportException"><see cref="TransportError.EndpointClosed"/> once the endpoint is disposed.</exception>
    public async ValueTask<Connection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        try
        {
            return new Connection(await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (ChannelClosedException)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        StopWatchingNetwork();
        _accepted.Writer.TryComplete();
        await _shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_paths.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        await _acceptPumps.ConfigureAwait(false);
        while (_accepted.Reader.TryRead(out var unclaimed))
        {
            await unclaimed.DisposeAsync().ConfigureAwait(false);
        }

        _shutdown.Dispose();
        _ctx.Dispose();
    }

    // One pump per path feeds the endpoint's single accept queue, so the Router serves every path with one loop.
    private async Task PumpAcceptsAsync(IEndpointPath path)
    {
        while (true)
        {
            ConnectionCore connection;
            try
            {
                connection = await path.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TransportException or ObjectDisposedException)
            {
                return;
            }

            if (!_accepted.Writer.TryWrite(connection))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new TransportException(TransportError.EndpointClosed, "The endpoint was disposed.");
        }
    }
}
