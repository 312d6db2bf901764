using Microsoft.Extensions.Logging;

namespace IrohSocial.Transport;

/// <summary>Settings of an <see cref="MdnsLocalDiscovery"/>.</summary>
public sealed record MdnsDiscoveryOptions
{
    /// <summary>
    /// Names of the network interfaces to use (as the OS lists them, e.g. <c>eth0</c>); empty (the default): every
    /// interface that is up, multicast-capable, not loopback and has an IPv4 address.
    /// </summary>
    public IReadOnlyList<string> InterfaceNames { get; init; } = [];

    /// <summary>The UDP port; 5353 (RFC 6762). Change it only to keep tests apart from a real LAN.</summary>
    public int Port { get; init; } = 5353;

    /// <summary>TTL of the records this endpoint announces; it re-announces every half of it. Default 2 minutes.</summary>
    public TimeSpan RecordTimeToLive { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest a heard record is kept, whatever TTL it claims. Default 10 minutes.</summary>
    public TimeSpan MaxTimeToLive { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Most peers remembered (a full cache forgets the one that expires first). Default 256.</summary>
    public int MaxPeers { get; init; } = 256;

    /// <summary>
    /// Shortest time between two queries this endpoint sends (a miss in <see cref="MdnsLocalDiscovery.Find"/> asks again).
    /// Default 1 s, the least RFC 6762 (5.2) allows: responders answer a record at most once a second, so a query that
    /// came right after another querier's is not answered and the next must follow soon (a dial waits for it).
    /// </summary>
    public TimeSpan MinQueryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for TTLs and re-announcements.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(InterfaceNames);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecordTimeToLive, TimeSpan.FromSeconds(2));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTimeToLive, RecordTimeToLive);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinQueryInterval, TimeSpan.Zero);
    }
}
