using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>The durable queue of controls waiting for acknowledgement.</summary>
public interface IOutboxStore
{
    /// <summary>Entries queued for <paramref name="peer"/> in the order they were queued.</summary>
    ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default);

    /// <summary>Peers with at least one queued entry.</summary>
    ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default);

}
