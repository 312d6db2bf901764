using System.Collections.Concurrent;
using IrohSocial.Crypto;

namespace IrohSocial.Transport;

/// <summary>
/// A pretend LAN for tests and single-process apps: every <see cref="InMemoryLocalDiscovery"/> made from the same
/// network sees what the others announce, on the network's clock.
/// </summary>
public sealed class InMemoryLocalNetwork(TimeProvider? timeProvider = null)
{
    private readonly ConcurrentDictionary<EndpointId, LocalPeer> _announced = new();

    /// <summary>The network's clock (when peers were seen).</summary>
    public TimeProvider Time { get; } = timeProvider ?? TimeProvider.System;

    /// <summary>A discovery attached to this network.</summary>
    public InMemoryLocalDiscovery CreateDiscovery() => new(this);

    internal void Announce(EndpointAddr self) => _announced[self.Id] = new LocalPeer(self.Id, self.DirectAddresses, Time.GetUtcNow());

    internal void Withdraw(EndpointId id) => _announced.TryRemove(id, out _);

    internal LocalPeer? Find(EndpointId id) => _announced.GetValueOrDefault(id);
}

/// <summary>An <see cref="ILocalDiscovery"/> on an <see cref="InMemoryLocalNetwork"/>.</summary>
public sealed class InMemoryLocalDiscovery : ILocalDiscovery
{
    private readonly InMemoryLocalNetwork _network;
    private EndpointId? _announced;

    internal InMemoryLocalDiscovery(InMemoryLocalNetwork network) => _network = network;

    /// <inheritdoc />
    public ValueTask StartAsync(EndpointAddr self, bool announce, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (announce)
        {
            _network.Announce(self);
            _announced = self.Id;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RenewAsync(EndpointAddr self, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        if (_announced == self.Id)
        {
            _network.Announce(self);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public LocalPeer? Find(EndpointId id, TimeSpan maxAge) =>
        _network.Find(id) is { } peer && _network.Time.GetUtcNow() - peer.SeenAt <= maxAge ? peer : null;

    /// <summary>Withdraws the announcement.</summary>
    public ValueTask DisposeAsync()
    {
        if (_announced is { } id)
        {
            _network.Withdraw(id);
        }

        return ValueTask.CompletedTask;
    }
}
