using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>
/// Reads that let an app review and clean up what is stored: the whole outbox at once and the ids of a
/// conversation's messages. The writes that follow go through <see cref="IMessagingStore.ApplyAsync"/> as usual.
/// </summary>
/// <remarks>
/// Both members have default implementations built on the other store interfaces, so stores written before
/// they existed keep working; the shipped stores answer each with one query.
/// </remarks>
public interface IStoreMaintenance
{
    /// <summary>Every queued outbox entry for every peer; each peer's entries in the order they were queued.</summary>
    async ValueTask<IReadOnlyList<OutboxEntry>> GetAllOutboxAsync(CancellationToken cancellationToken = default)
    {
        var outbox = (IOutboxStore)this;
        var result = new List<OutboxEntry>();
        foreach (var peer in await outbox.GetOutboxPeersAsync(cancellationToken).ConfigureAwait(false))
        {
            result.AddRange(await outbox.GetOutboxAsync(peer, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>Ids of every live (not deleted) message with <paramref name="peer"/>, oldest first.</summary>
    async ValueTask<IReadOnlyList<string>> GetMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default)
    {
        var messages = await ((IMessageStore)this).GetMessagesAsync(peer, int.MaxValue, null, cancellationToken).ConfigureAwait(false);
        return messages.Select(m => m.Id).ToList();
    }
}
