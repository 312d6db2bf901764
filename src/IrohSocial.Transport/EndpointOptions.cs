using System.Diagnostics.Metrics;
using System.Net;
using IrohSocial.Crypto;
using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport;

/// <summary>Options for <see cref="Endpoint.BindAsync"/>. Validated once, on bind.</summary>
public sealed record EndpointOptions
{
    /// <summary>Default <see cref="HandshakeTimeout"/>.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Default <see cref="IdleTimeout"/>.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Default <see cref="KeepAliveInterval"/>.</summary>
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(10);

    /// <summary>The endpoint's identity; its public key is the <see cref="Endpoint.Id"/>. The endpoint does not dispose it.</summary>
    public required SecretKey SecretKey { get; init; }

    /// <summary>Local address to listen on. Default: all IPv4 interfaces, a port chosen by the OS.</summary>
    public IPEndPoint BindAddress { get; init; } = new(IPAddress.Any, 0);

    /// <summary>
    /// Network stacks to listen and dial on. <see cref="TransportProvider.Auto"/> (default) uses QUIC and TCP/TLS side by
    /// side where QUIC is supported (the same port number for both), TCP/TLS alone elsewhere.
    /// </summary>
    public TransportProvider Provider { get; init; } = TransportProvider.Auto;

    /// <summary>
    /// Path of a specific msquic build to use for QUIC (e.g. <c>/opt/msquic/libmsquic.so.2</c>); null to let the runtime
    /// find one (Windows: built in; Linux: <c>libmsquic.so.2</c> on the library path). It is loaded before the first QUIC
    /// call of the process, so it only takes effect if nothing used QUIC earlier (see <see cref="QuicLibrary.Load"/>).
    /// </summary>
    public string? MsQuicLibraryPath { get; init; }

    /// <summary>ALPNs this endpoint accepts on inbound connections. Default: the SDK's DM and call protocols.</summary>
    public IReadOnlyList<string> Alpns { get; init; } = [Transport.Alpns.DirectMessages, Transport.Alpns.Calls];

    /// <summary>Longest time from TCP/QUIC connect to a usable, authenticated connection (both directions).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>A connection with no traffic from the peer for this long is closed. <see cref="TimeSpan.Zero"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>Interval of keep-alive pings that keep an otherwise idle connection open. <see cref="TimeSpan.Zero"/> disables them.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = DefaultKeepAliveInterval;

    /// <summary>Streams (both kinds together) the peer may have open at once on one connection; opening more waits for credit.</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>Inbound connections accepted from one remote id at once; more are refused with <see cref="TransportError.ConnectionLimitExceeded"/>.</summary>
    public int MaxConnectionsPerPeer { get; init; } = 8;

    /// <summary>
    /// Established inbound connections (peers that finished the handshake and proved their id) at once; more are
    /// refused with <see cref="TransportError.ConnectionLimitExceeded"/>.
    /// </summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>
    /// Inbound connections still in the TLS handshake at once (TCP/TLS provider). When full, the oldest is dropped to
    /// make room for the newest, so sockets that connect and stall cannot lock genuine peers out; each costs a socket
    /// and a few KiB until it finishes, is evicted, or reaches <see cref="HandshakeTimeout"/>.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 128;

    /// <summary>
    /// Receive window per stream in bytes on the TCP provider (the multiplexer's flow-control window). A peer can make
    /// this endpoint buffer at most this much per open stream, so memory per connection is bounded by
    /// <see cref="MaxStreamsPerConnection"/> times this value.
    /// </summary>
    public int StreamReceiveWindow { get; init; } = 1024 * 1024;

    /// <summary>
    /// Home relays in order of preference. The endpoint stays registered on each while it runs (registering again after
    /// a relay restart or a network change), puts the first in <see cref="Endpoint.Addr"/> and its ticket, and dials
    /// through a relay when direct addresses do not answer (after a short head start). Empty: no relay.
    /// </summary>
    public IReadOnlyList<RelayAddress> RelayUrls { get; init; } = [];

    /// <summary>
    /// This endpoint's mailbox (a node serving <see cref="Alpns.Mailbox"/>), put in <see cref="Endpoint.Addr"/> and its
    /// ticket so senders can deposit there while this endpoint is away. Null: none.
    /// </summary>
    public EndpointAddr? Mailbox { get; init; }

    /// <summary>
    /// Finds peers on the local network (not owned; dispose it after the endpoint). Dials put a fresh LAN hit for the
    /// peer's id ahead of its other addresses, so a stale or missing address does not wait for the relay. Null: none.
    /// </summary>
    public ILocalDiscovery? LocalDiscovery { get; init; }

    /// <summary>Announces this endpoint through <see cref="LocalDiscovery"/> (reveals its presence on the LAN). Default false.</summary>
    public bool AnnounceOnLocalNetwork { get; init; }

    /// <summary>How old a LAN hit may be to be dialed. Default 2 minutes.</summary>
    public TimeSpan LocalDiscoveryMaxAge { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Watches the network for changes and lists the addresses that reach this endpoint (see <see cref="INetworkMonitor"/>);
    /// not owned. Null (default): a <see cref="SystemNetworkMonitor"/> the endpoint owns, except on a loopback bind address
    /// (nothing there leaves the host, so no network change reaches its paths: none is watched).
    /// </summary>
    public INetworkMonitor? NetworkMonitor { get; init; }

    /// <summary>First delay before registering again on a relay; doubles per failure, with jitter.</summary>
    internal TimeSpan RelayMinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay before registering again on a relay.</summary>
    internal TimeSpan RelayMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long each path waits before joining a dial (see <c>DialPolicy</c>); tests shorten or lengthen it. Paths not
    /// listed start at once.
    /// </summary>
    internal IReadOnlyDictionary<ConnectionPath, TimeSpan> PathHeadStarts { get; init; } = Internal.DialPolicy.DefaultHeadStarts;

    /// <summary>How long one address of a path is tried alone before the next joins the dial (tests shorten or lengthen it).</summary>
    internal TimeSpan CandidateStagger { get; init; } = Internal.DialPolicy.DefaultCandidateStagger;

    /// <summary>Logging; null for none.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Clock for handshake, idle and keep-alive timers (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the endpoint's <c>IrohSocial.Transport</c> meter comes from (the host's, e.g. from dependency injection);
    /// null: the endpoint creates its own and disposes it with itself. See docs/observability.md.
    /// </summary>
    public IMeterFactory? MeterFactory { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(SecretKey);
        ArgumentNullException.ThrowIfNull(BindAddress);
        ArgumentNullException.ThrowIfNull(Alpns);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(PathHeadStarts);
        ArgumentNullException.ThrowIfNull(RelayUrls);
        if (RelayUrls.Any(r => r is null))
        {
            throw new ArgumentException("A relay address is null.", nameof(RelayUrls));
        }

        if (MsQuicLibraryPath is { Length: 0 })
        {
            throw new ArgumentException("An msquic library path must not be empty (use null for the default).", nameof(MsQuicLibraryPath));
        }

        if (!Enum.IsDefined(Provider))
        {
            throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "Unknown transport provider.");
        }

        foreach (var alpn in Alpns)
        {
            ValidateAlpn(alpn, nameof(Alpns));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(IdleTimeout, TimeSpan.Zero, nameof(IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveInterval, TimeSpan.Zero, nameof(KeepAliveInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreamsPerConnection, 1, nameof(MaxStreamsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerPeer, 1, nameof(MaxConnectionsPerPeer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingHandshakes, 1, nameof(MaxPendingHandshakes));
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamReceiveWindow, 64 * 1024, nameof(StreamReceiveWindow));
    }

    internal TimeSpan HeadStart(ConnectionPath path) =>
        PathHeadStarts.TryGetValue(path, out var headStart) ? headStart : TimeSpan.Zero;

    internal static void ValidateAlpn(string? alpn, string paramName)
    {
        if (string.IsNullOrEmpty(alpn) || System.Text.Encoding.UTF8.GetByteCount(alpn) > 255)
        {
            throw new ArgumentException("An ALPN is 1 to 255 bytes of UTF-8.", paramName);
        }
    }
}
