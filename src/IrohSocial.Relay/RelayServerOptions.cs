using IrohSocial.Crypto;

namespace IrohSocial.Relay;

/// <summary>Identity and limits of a relay. Validate with <see cref="Validate"/> (done by <c>AddIrohSocialRelay</c>).</summary>
public sealed record RelayServerOptions
{
    /// <summary>The relay's identity; clients pin its public key. The relay does not dispose it.</summary>
    public required SecretKey Identity { get; init; }

    /// <summary>Time from the WebSocket upgrade to a valid signed hello.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a dialed target has to open its accepting socket before the dialer is told <c>PeerUnreachable</c>.</summary>
    public TimeSpan AcceptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Relayed sessions (pending or spliced) one id may take part in, as dialer or target.</summary>
    public int MaxSessionsPerId { get; init; } = 32;

    /// <summary>Open WebSockets from one IP address; more are answered with HTTP 429 before the upgrade.</summary>
    public int MaxSocketsPerIp { get; init; } = 256;

    /// <summary>Token bucket per id for registrations and dials: tokens added per second.</summary>
    public int RequestsPerSecondPerId { get; init; } = 10;

    /// <summary>Token bucket per id: its size (the largest burst).</summary>
    public int RequestBurstPerId { get; init; } = 20;

    /// <summary>Largest WebSocket message forwarded through a splice; a larger one ends the session.</summary>
    public int MaxMessageSize { get; init; } = 64 * 1024;

    /// <summary>Interval of the relay's WebSocket pings on every socket.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A socket whose peer does not answer a ping within this time is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A spliced session with no bytes in either direction for this long is closed.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>An allow-list for private relays: return false to refuse an id (<c>NotAllowed</c>). Null admits every id.</summary>
    public Func<EndpointId, bool>? AllowPeer { get; init; }

    /// <summary>Clock for timeouts and rate limits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the relay's <c>IrohSocial.Relay</c> meter comes from when it is not hosted with dependency injection (there
    /// the host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/> is used unless this is set); null: the relay owns its meter.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentException">A limit is zero or negative, or the identity is missing.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Identity, nameof(Identity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero, nameof(HandshakeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AcceptTimeout, TimeSpan.Zero, nameof(AcceptTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionsPerId, 1, nameof(MaxSessionsPerId));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSocketsPerIp, 1, nameof(MaxSocketsPerIp));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestsPerSecondPerId, 1, nameof(RequestsPerSecondPerId));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestBurstPerId, 1, nameof(RequestBurstPerId));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1024, nameof(MaxMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveInterval, TimeSpan.Zero, nameof(KeepAliveInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveTimeout, TimeSpan.Zero, nameof(KeepAliveTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SessionIdleTimeout, TimeSpan.Zero, nameof(SessionIdleTimeout));
    }
}
