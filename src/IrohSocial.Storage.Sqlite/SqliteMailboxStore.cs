using IrohSocial.Crypto;
using IrohSocial.Mailbox;
using IrohSocial.Mailbox.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

/// <summary>
/// The embedded default <see cref="IMailboxStore"/> of a mailbox host: one SQLite file (WAL, <c>synchronous=FULL</c>,
/// so a deposit the service answered survives a crash or power cut), separate from any messaging store. Blobs are
/// kept as deposited: they are ciphertext the host cannot open. Quotas are checked in the transaction that inserts.
/// </summary>
public sealed class SqliteMailboxStore : IMailboxStore, IAsyncDisposable
{
    private const int CurrentVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS blobs(
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            owner BLOB NOT NULL,
            depositor BLOB NOT NULL,
            id TEXT NOT NULL,
            size INTEGER NOT NULL,
            deposited_ms INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE(owner, depositor, id));
        CREATE INDEX IF NOT EXISTS blobs_owner ON blobs(owner, seq);
        CREATE INDEX IF NOT EXISTS blobs_expiry ON blobs(expires_ms);
        CREATE TABLE IF NOT EXISTS depositors(owner BLOB PRIMARY KEY, allowed BLOB NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly StoreLock _fileLock;
    private bool _disposed;

    private SqliteMailboxStore(SqliteConnection connection, StoreLock fileLock)
    {
        _connection = connection;
        _fileLock = fileLock;
    }

    /// <summary>Opens (creating if needed) the mailbox database at <paramref name="path"/>; its folder must exist.</summary>
    /// <exception cref="InvalidOperationException">The file has a newer schema than this build knows.</exception>
    /// <exception cref="StoreInUseException">Another store instance has the file open.</exception>
    public static async Task<SqliteMailboxStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fileLock = StoreLock.Acquire(path);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                pragma.CommandText = "PRAGMA user_version;";
                var version = Convert.ToInt32(await pragma.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                if (version > CurrentVersion)
                {
                    throw new InvalidOperationException($"The mailbox database has schema version {version}; this build knows up to {CurrentVersion}.");
                }
            }

            using (var create = connection.CreateCommand())
            {
                create.CommandText = Schema + $"\nPRAGMA user_version = {CurrentVersion};";
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new SqliteMailboxStore(connection, fileLock);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            fileLock.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<MailboxPutOutcome> PutAsync(MailboxBlob blob, MailboxQuota limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(limits);
        return LockedAsync(() =>
        {
            using var transaction = _connection.BeginTransaction();
            var owner = blob.Owner.ToArray();
            var depositor = blob.Key.Depositor.ToArray();
            var now = blob.DepositedAt.ToUnixTimeMilliseconds();
            if (Scalar(transaction, "SELECT COUNT(*) FROM blobs WHERE owner = $o AND depositor = $d AND id = $id;", ("$o", owner), ("$d", depositor), ("$id", blob.Key.Id)) > 0)
            {
                return MailboxPutOutcome.Exists;
            }

            long size = blob.Data.Length;
            if (Scalar(transaction, "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE expires_ms > $now;", ("$now", now)) + size > limits.MaxTotalBytes
                || Scalar(transaction, "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE owner = $o AND expires_ms > $now;", ("$o", owner), ("$now", now)) + size > limits.MaxBytesPerOwner
                || Scalar(transaction, "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE owner = $o AND depositor = $d AND expires_ms > $now;", ("$o", owner), ("$d", depositor), ("$now", now)) + size > limits.MaxBytesPerDepositor)
            {
                return MailboxPutOutcome.QuotaExceeded;
            }

            Execute(transaction, "INSERT INTO blobs(owner, depositor, id, size, deposited_ms, expires_ms, data) VALUES($o, $d, $id, $s, $t, $e, $data);",
                ("$o", owner), ("$d", depositor), ("$id", blob.Key.Id), ("$s", size), ("$t", now), ("$e", blob.ExpiresAt.ToUnixTimeMilliseconds()), ("$data", blob.Data.ToArray()));
            transaction.Commit();
            return MailboxPutOutcome.Stored;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MailboxEntry>> ListAsync(EndpointId owner, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        LockedAsync<IReadOnlyList<MailboxEntry>>(() =>
        {
            using var command = Command(null, "SELECT depositor, id, size, deposited_ms, expires_ms FROM blobs WHERE owner = $o AND expires_ms > $now ORDER BY seq LIMIT $l;",
                ("$o", owner.ToArray()), ("$now", now.ToUnixTimeMilliseconds()), ("$l", limit));
            using var reader = command.ExecuteReader();
            var entries = new List<MailboxEntry>();
            while (reader.Read())
            {
                entries.Add(new MailboxEntry(new MailboxItemKey(new EndpointId((byte[])reader.GetValue(0)), reader.GetString(1)), reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }

            return entries;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<byte[]?> GetAsync(EndpointId owner, MailboxItemKey key, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        LockedAsync(() =>
        {
            using var command = Command(null, "SELECT data FROM blobs WHERE owner = $o AND depositor = $d AND id = $id AND expires_ms > $now;",
                ("$o", owner.ToArray()), ("$d", key.Depositor.ToArray()), ("$id", key.Id), ("$now", now.ToUnixTimeMilliseconds()));
            return command.ExecuteScalar() as byte[];
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> RemoveAsync(EndpointId owner, IReadOnlyList<MailboxItemKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return LockedAsync(() =>
        {
            using var transaction = _connection.BeginTransaction();
            var removed = 0;
            foreach (var key in keys)
            {
                removed += Execute(transaction, "DELETE FROM blobs WHERE owner = $o AND depositor = $d AND id = $id;",
                    ("$o", owner.ToArray()), ("$d", key.Depositor.ToArray()), ("$id", key.Id));
            }

            transaction.Commit();
            return removed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        LockedAsync(() => Execute(null, "DELETE FROM blobs WHERE expires_ms <= $now;", ("$now", now.ToUnixTimeMilliseconds())), cancellationToken);

    /// <inheritdoc />
    public ValueTask<MailboxStats> GetStatsAsync(EndpointId owner, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        LockedAsync(() =>
        {
            using var command = Command(null, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blobs WHERE owner = $o AND expires_ms > $now;",
                ("$o", owner.ToArray()), ("$now", now.ToUnixTimeMilliseconds()));
            using var reader = command.ExecuteReader();
            reader.Read();
            return new MailboxStats(reader.GetInt32(0), reader.GetInt64(1), ReadAllowed(owner));
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EndpointId>?> GetAllowedDepositorsAsync(EndpointId owner, CancellationToken cancellationToken = default) =>
        LockedAsync<IReadOnlyList<EndpointId>?>(() => ReadAllowed(owner), cancellationToken);

    /// <inheritdoc />
    public ValueTask SetAllowedDepositorsAsync(EndpointId owner, IReadOnlyList<EndpointId>? allowed, CancellationToken cancellationToken = default) =>
        new(LockedAsync(() =>
        {
            if (allowed is null)
            {
                return Execute(null, "DELETE FROM depositors WHERE owner = $o;", ("$o", owner.ToArray()));
            }

            var packed = new byte[allowed.Count * EndpointId.Size];
            for (var i = 0; i < allowed.Count; i++)
            {
                allowed[i].CopyTo(packed.AsSpan(i * EndpointId.Size));
            }

            return Execute(null, "INSERT OR REPLACE INTO depositors(owner, allowed) VALUES($o, $a);", ("$o", owner.ToArray()), ("$a", packed));
        }, cancellationToken).AsTask());

    private List<EndpointId>? ReadAllowed(EndpointId owner)
    {
        using var command = Command(null, "SELECT allowed FROM depositors WHERE owner = $o;", ("$o", owner.ToArray()));
        if (command.ExecuteScalar() is not byte[] packed)
        {
            return null;
        }

        var ids = new List<EndpointId>(packed.Length / EndpointId.Size);
        for (var i = 0; i + EndpointId.Size <= packed.Length; i += EndpointId.Size)
        {
            ids.Add(new EndpointId(packed.AsSpan(i, EndpointId.Size)));
        }

        return ids;
    }

    private async ValueTask<T> LockedAsync<T>(Func<T> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private int Execute(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private long Scalar(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _connection.DisposeAsync().ConfigureAwait(false);
            _fileLock.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
