using IrohSocial.Crypto;

namespace IrohSocial.Mailbox.Storage;

/// <summary>An <see cref="IMailboxStore"/> in memory, for tests and hosts that may lose their mailboxes on restart.</summary>
public sealed class InMemoryMailboxStore : IMailboxStore
{
    private readonly Lock _gate = new();
    private readonly List<MailboxBlob> _blobs = [];
    private readonly Dictionary<EndpointId, IReadOnlyList<EndpointId>> _allowed = [];

    /// <inheritdoc />
    public ValueTask<MailboxPutOutcome> PutAsync(MailboxBlob blob, MailboxQuota limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(limits);
        lock (_gate)
        {
            if (_blobs.Any(b => b.Owner == blob.Owner && b.Key == blob.Key))
            {
                return ValueTask.FromResult(MailboxPutOutcome.Exists);
            }

            var live = _blobs.Where(b => b.ExpiresAt > blob.DepositedAt).ToList();
            var size = blob.Data.Length;
            if (live.Sum(b => (long)b.Data.Length) + size > limits.MaxTotalBytes
                || live.Where(b => b.Owner == blob.Owner).Sum(b => (long)b.Data.Length) + size > limits.MaxBytesPerOwner
                || live.Where(b => b.Owner == blob.Owner && b.Key.Depositor == blob.Key.Depositor).Sum(b => (long)b.Data.Length) + size > limits.MaxBytesPerDepositor)
            {
                return ValueTask.FromResult(MailboxPutOutcome.QuotaExceeded);
            }

            _blobs.Add(blob with { Data = blob.Data.ToArray() });
            return ValueTask.FromResult(MailboxPutOutcome.Stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MailboxEntry>> ListAsync(EndpointId owner, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<MailboxEntry> entries = _blobs.Where(b => b.Owner == owner && b.ExpiresAt > now).Take(limit)
                .Select(b => new MailboxEntry(b.Key, b.Data.Length, b.DepositedAt, b.ExpiresAt)).ToList();
            return ValueTask.FromResult(entries);
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(EndpointId owner, MailboxItemKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var blob = _blobs.FirstOrDefault(b => b.Owner == owner && b.Key == key && b.ExpiresAt > now);
            return ValueTask.FromResult(blob?.Data.ToArray());
        }
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveAsync(EndpointId owner, IReadOnlyList<MailboxItemKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            var set = keys.ToHashSet();
            return ValueTask.FromResult(_blobs.RemoveAll(b => b.Owner == owner && set.Contains(b.Key)));
        }
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_blobs.RemoveAll(b => b.ExpiresAt <= now));
        }
    }

    /// <inheritdoc />
    public ValueTask<MailboxStats> GetStatsAsync(EndpointId owner, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var live = _blobs.Where(b => b.Owner == owner && b.ExpiresAt > now).ToList();
            return ValueTask.FromResult(new MailboxStats(live.Count, live.Sum(b => (long)b.Data.Length), _allowed.GetValueOrDefault(owner)));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EndpointId>?> GetAllowedDepositorsAsync(EndpointId owner, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_allowed.GetValueOrDefault(owner));
        }
    }

    /// <inheritdoc />
    public ValueTask SetAllowedDepositorsAsync(EndpointId owner, IReadOnlyList<EndpointId>? allowed, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (allowed is null)
            {
                _allowed.Remove(owner);
            }
            else
            {
                _allowed[owner] = allowed.Distinct().ToList();
            }

            return ValueTask.CompletedTask;
        }
    }
}
