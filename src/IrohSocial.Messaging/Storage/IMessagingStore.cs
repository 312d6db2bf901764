namespace IrohSocial.Messaging.Storage;

/// <summary>
/// Everything the DM and call services persist. Reads go through the per-concern interfaces; every write is a
/// batch of <see cref="StoreOperation"/>s applied atomically, so a crash between two batches leaves a
/// consistent state and a crash inside one leaves none of it.
/// </summary>
public interface IMessagingStore : IConversationStore, IMessageStore, IOutboxStore, ISessionStore, IRecordStore, IStoreMaintenance, IAsyncDisposable
{
    /// <summary>Applies all <paramref name="operations"/> in one transaction, in order.</summary>
    ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default);
}
