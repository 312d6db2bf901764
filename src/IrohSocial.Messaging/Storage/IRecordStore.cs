using IrohSocial.Crypto;

namespace IrohSocial.Messaging.Storage;

/// <summary>Extension records (<see cref="StoredRecord"/>). Written with <see cref="SaveRecord"/> through <see cref="IMessagingStore.ApplyAsync"/>.</summary>
public interface IRecordStore
{
    /// <summary>
    /// The newest <paramref name="limit"/> records of <paramref name="kind"/> (every kind when null) with
    /// <paramref name="peer"/> (every peer when null) whose time is before <paramref name="before"/> (all when null),
    /// newest first.
    /// </summary>
    ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default);
}
