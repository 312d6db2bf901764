using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

public sealed partial class InMemoryMessagingStore
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetAllOutboxAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<OutboxEntry> result = [.. _outbox.Values];
            return ValueTask.FromResult(result);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> result = Live()
                .Where(r => r.Message.Peer == peer)
                .OrderBy(r => r.Message.Timestamp).ThenBy(r => r.Seq)
                .Select(r => r.Message.Id)
                .ToList();
            return ValueTask.FromResult(result);
        }
    }
}
