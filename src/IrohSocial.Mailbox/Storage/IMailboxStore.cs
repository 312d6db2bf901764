using IrohSocial.Crypto;

namespace IrohSocial.Mailbox.Storage;

/// <summary>
/// Where a <see cref="MailboxService"/> keeps blobs. Every method is atomic; a put that returns
/// <see cref="MailboxPutOutcome.Stored"/> is durable (the service answers the depositor only after it). Blobs are
/// opaque ciphertext: a store keeps them as they are.
/// </summary>
public interface IMailboxStore
{
    /// <summary>Stores a blob unless the same (owner, depositor, id) exists or a quota of <paramref name="limits"/> would overflow (checked in the same transaction).</summary>
    ValueTask<MailboxPutOutcome> PutAsync(MailboxBlob blob, MailboxQuota limits, CancellationToken cancellationToken = default);

    /// <summary>The owner's unexpired blobs in deposit order, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<MailboxEntry>> ListAsync(EndpointId owner, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>One unexpired blob of the owner, or null.</summary>
    ValueTask<byte[]?> GetAsync(EndpointId owner, MailboxItemKey key, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes blobs of the owner; returns how many existed.</summary>
    ValueTask<int> RemoveAsync(EndpointId owner, IReadOnlyList<MailboxItemKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Deletes every blob whose expiry is at or before <paramref name="now"/>; returns how many.</summary>
    ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Count and bytes of the owner's unexpired blobs, and who may deposit.</summary>
    ValueTask<MailboxStats> GetStatsAsync(EndpointId owner, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Who may deposit for the owner; null means anyone.</summary>
    ValueTask<IReadOnlyList<EndpointId>?> GetAllowedDepositorsAsync(EndpointId owner, CancellationToken cancellationToken = default);

    /// <summary>Sets who may deposit for the owner (null: anyone). Blobs already stored stay.</summary>
    ValueTask SetAllowedDepositorsAsync(EndpointId owner, IReadOnlyList<EndpointId>? allowed, CancellationToken cancellationToken = default);
}

/// <summary>A blob to store.</summary>
/// <param name="Owner">Whose mailbox.</param>
/// <param name="Key">Depositor (TLS-proven) and its id.</param>
/// <param name="Data">The blob.</param>
/// <param name="DepositedAt">When it arrived.</param>
/// <param name="ExpiresAt">When it is deleted unless acknowledged before.</param>
public sealed record MailboxBlob(EndpointId Owner, MailboxItemKey Key, ReadOnlyMemory<byte> Data, DateTimeOffset DepositedAt, DateTimeOffset ExpiresAt);

/// <summary>Limits a put must respect (sizes of unexpired blobs, in bytes).</summary>
/// <param name="MaxBytesPerOwner">One owner's whole mailbox.</param>
/// <param name="MaxBytesPerDepositor">What one depositor may keep in one owner's mailbox, so one contact cannot fill it.</param>
/// <param name="MaxTotalBytes">Everything on the host.</param>
public sealed record MailboxQuota(long MaxBytesPerOwner, long MaxBytesPerDepositor, long MaxTotalBytes);

/// <summary>What <see cref="IMailboxStore.PutAsync"/> did.</summary>
public enum MailboxPutOutcome
{
    /// <summary>Stored durably.</summary>
    Stored,

    /// <summary>That depositor already stored a blob under that id for that owner; nothing changed.</summary>
    Exists,

    /// <summary>A quota would overflow; nothing changed.</summary>
    QuotaExceeded,
}
