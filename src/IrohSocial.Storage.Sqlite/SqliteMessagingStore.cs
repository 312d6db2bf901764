using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite;

/// <summary>
/// The embedded default <see cref="IMessagingStore"/>: one SQLite file in WAL mode, schema versioned by
/// migrations, every batch one transaction. Message bodies, outbox payloads and ratchet states are sealed with
/// an <see cref="AtRestSealer"/> bound to their row, so the file holds no message text and no key bytes. Since schema 5
/// no peer id, timestamp, ticket or extension record (call history) is in the clear either: rows name their peer by a keyed blind index
/// (<see cref="BlindIndex"/>) and those values are sealed too (docs/security.md lists what a reader still sees).
/// </summary>
/// <remarks>
/// One connection serves all calls, serialized by a lock: SQLite serializes writers anyway and the DM service
/// issues small statements. <c>synchronous=FULL</c> with WAL fsyncs every commit before
/// <see cref="ApplyAsync"/> returns, so what the DM service acknowledges survives a power cut; concurrent
/// batches share one transaction and one fsync (group commit) to keep throughput.
/// </remarks>
public sealed partial class SqliteMessagingStore : IMessagingStore
{
    private readonly SqliteConnection _connection;
    private readonly AtRestSealer _sealer;
    private readonly PeerDirectory _directory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Lock _queueGate = new();
    private List<PendingBatch> _queue = [];
    private bool _writerActive;
    private StoreLock? _fileLock;
    private bool _disposed;

    private SqliteMessagingStore(SqliteConnection connection, AtRestSealer sealer)
    {
        _connection = connection;
        _sealer = sealer;
        _directory = new PeerDirectory(sealer);
    }

    /// <summary>The schema version of the open file.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>
    /// Opens (creating if needed) the database at <paramref name="path"/> and migrates it to the current schema.
    /// </summary>
    /// <param name="path">File path; its folder must exist.</param>
    /// <param name="sealer">Seals rows at rest; not owned (the caller disposes it after the store).</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="InvalidOperationException">The file has a newer schema than this build knows.</exception>
    /// <exception cref="StoreInUseException">Another store instance (another process, usually) has the file open.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The file was sealed under another identity (nothing is changed).</exception>
    public static async Task<SqliteMessagingStore> OpenAsync(string path, AtRestSealer sealer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sealer);
        var fileLock = StoreLock.Acquire(path); // held until DisposeAsync: one store per file
        try
        {
            PrivateFiles.Ensure(path);
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        SqliteMessagingStore? store = null;
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            store = new SqliteMessagingStore(connection, sealer) { _fileLock = fileLock };
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            store?._directory.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
            fileLock.Dispose();
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        // secure_delete: a deleted message (or a table the migration replaced) is overwritten, not left in free pages.
        // temp_store=MEMORY: each batch runs in a savepoint, whose sub-journal (the original of every page the batch
        // changes) SQLite otherwise writes to a temporary file: marking 200 scattered messages read took twice as long.
        await ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4096; PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;",
            cancellationToken).ConfigureAwait(false);
        var version = Convert.ToInt32(await ScalarAsync("PRAGMA user_version;", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Migrations.CurrentVersion)
        {
            throw new InvalidOperationException($"The database has schema version {version}; this build knows up to {Migrations.CurrentVersion}.");
        }

        MetadataSchema.RegisterFunctions(_connection, _sealer, _directory);
        RecordSchema.RegisterFunctions(_connection, _sealer, _directory);
        if (version is > 0 and < MetadataSchema.Version)
        {
            // The migration writes tags under this identity's key: with the wrong identity it would orphan every row.
            ProbeOldRowsOpen(version);
        }
        else if (version >= MetadataSchema.Version && version < Migrations.CurrentVersion)
        {
            ProbeStoreKey(); // later migrations seal under this identity too: refuse a foreign file before changing it
        }

        for (var v = version; v < Migrations.CurrentVersion; v++)
        {
            using var transaction = _connection.BeginTransaction();
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = Migrations.Scripts[v] + $"\nPRAGMA user_version = {v + 1};";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (v + 1 == ConversationSchema.Version)
            {
                // These need the key, so they run here rather than in SQL, in the same transaction.
                BuildOrder(transaction);
                BuildConversations(transaction);
            }

            transaction.Commit();
        }

        ProbeStoreKey();
        if (version > 0 && version < Migrations.CurrentVersion)
        {
            // Only after a migration: finding version-1 bodies reads the whole table (no index), which an open of a
            // big current file must not pay. A body left at version 1 still opens (by its own binding) either way.
            ResealVersion1Bodies();
        }

        if (version is > 0 and < MetadataSchema.Version)
        {
            // The old tables' pages (clear peer ids, times, tickets) are gone from the file, the WAL emptied.
            await ExecuteAsync("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken).ConfigureAwait(false);
        }
        else if (version is > 0 and < ConversationSchema.Version)
        {
            // The positions rewrote every message row: give the WAL's space back instead of keeping a file the table's size.
            await ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken).ConfigureAwait(false);
        }

        SchemaVersion = Migrations.CurrentVersion;
    }

    /// <summary>Refuses a store sealed under another identity (<see cref="MetadataSchema.KeyProbeBinding"/>).</summary>
    private void ProbeStoreKey()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT probe FROM store_key WHERE id = 1;";
        if (command.ExecuteScalar() is not byte[] probe || !_sealer.TryOpen(probe, MetadataSchema.KeyProbeBinding, out _))
        {
            throw new System.Security.Cryptography.CryptographicException("The store was sealed under another identity (or its key probe was altered).");
        }
    }

    /// <summary>Before schema 5: one sealed session or message must open with this identity, or nothing is migrated.</summary>
    private void ProbeOldRowsOpen(int version)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT peer, state FROM sessions LIMIT 1;";
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                var peer = new EndpointId((byte[])reader.GetValue(0));
                if (!_sealer.TryOpen((byte[])reader.GetValue(1), SessionBinding(peer), out _))
                {
                    throw new System.Security.Cryptography.CryptographicException("The store was sealed under another identity; it was not migrated.");
                }

                return;
            }
        }

        command.CommandText = version >= 3
            ? "SELECT id, peer, direction, timestamp_ms, body, seal_version FROM messages WHERE deleted = 0 AND body IS NOT NULL LIMIT 1;"
            : "SELECT id, peer, direction, timestamp_ms, body, 1 FROM messages WHERE deleted = 0 AND body IS NOT NULL LIMIT 1;";
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                var id = reader.GetString(0);
                var binding = reader.GetInt32(5) == 1
                    ? MessageBindingV1(id)
                    : MessageBinding(id, new EndpointId((byte[])reader.GetValue(1)), reader.GetInt32(2), reader.GetInt64(3));
                if (!_sealer.TryOpen((byte[])reader.GetValue(4), binding, out _))
                {
                    throw new System.Security.Cryptography.CryptographicException("The store was sealed under another identity; it was not migrated.");
                }
            }
        }
    }

    /// <summary>Re-seals message bodies sealed with the id-only binding so they are bound to their whole row.</summary>
    private void ResealVersion1Bodies()
    {
        var rows = new List<(string Id, EndpointId Peer, int Direction, long Timestamp, byte[] Body)>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT id, peer_tag, direction, sent, body FROM messages WHERE seal_version = 1 AND body IS NOT NULL AND deleted = 0;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                var peer = PeerOf((byte[])reader.GetValue(1), null);
                rows.Add((id, peer, reader.GetInt32(2), OpenTime(id, peer, (byte[])reader.GetValue(3)), (byte[])reader.GetValue(4)));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        using var transaction = _connection.BeginTransaction();
        foreach (var row in rows)
        {
            // A body that does not open under version 1 stays as it is and keeps failing on read.
            if (_sealer.TryOpen(row.Body, MessageBindingV1(row.Id), out var plain))
            {
                var resealed = _sealer.Seal(plain, MessageBinding(row.Id, row.Peer, row.Direction, row.Timestamp));
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
                Run(transaction, "UPDATE messages SET body = $b, seal_version = 2 WHERE id = $id;", ("$b", resealed), ("$id", row.Id));
            }
        }

        transaction.Commit();
    }

    /// <summary>
    /// Applies the batch atomically and durably (fsynced) before returning. Batches that arrive while another
    /// commit is in progress are grouped: one transaction with a savepoint per batch and one fsync for all, so
    /// many peers' messages and sessions share the cost of durability. A failing batch rolls back to its
    /// savepoint and fails alone.
    /// </summary>
    public async ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingBatch(operations);
        bool lead;
        lock (_queueGate)
        {
            _queue.Add(pending);
            lead = !_writerActive;
            _writerActive = true;
        }

        if (lead)
        {
            await WriteQueuedAsync(pending).ConfigureAwait(false);
        }

        // Once queued the batch is written whatever the caller's token says: it must learn whether it committed.
        await pending.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Writes groups until <paramref name="own"/> is done, then hands what is left to a background writer.</summary>
    private async Task WriteQueuedAsync(PendingBatch? own)
    {
        while (true)
        {
            List<PendingBatch> group;
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                lock (_queueGate)
                {
                    group = _queue;
                    _queue = [];
                    if (group.Count == 0)
                    {
                        _writerActive = false;
                        return;
                    }
                }

                WriteGroup(group);
            }
            finally
            {
                _gate.Release();
            }

            if (own is not null && own.Done.Task.IsCompleted)
            {
                lock (_queueGate)
                {
                    if (_queue.Count == 0)
                    {
                        _writerActive = false;
                        return;
                    }
                }

                // More arrived meanwhile: keep writing, but not on this caller's time.
                _ = Task.Run(() => WriteQueuedAsync(null));
                return;
            }
        }
    }

    private void WriteGroup(List<PendingBatch> group)
    {
        if (_disposed)
        {
            var disposed = new ObjectDisposedException(nameof(SqliteMessagingStore));
            group.ForEach(b => b.Done.TrySetException(disposed));
            return;
        }

        var applied = new List<PendingBatch>(group.Count);
        try
        {
            using var transaction = _connection.BeginTransaction();
            for (var i = 0; i < group.Count; i++)
            {
                var batch = group[i];
                var savepoint = "b" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                transaction.Save(savepoint);
                try
                {
                    ApplyAll(batch.Operations, transaction);

                    FlushConversations(transaction);
                    transaction.Release(savepoint);
                    applied.Add(batch);
                }
                catch (Exception ex)
                {
                    transaction.Rollback(savepoint);
                    transaction.Release(savepoint);
                    _tails.Clear(); // the batch's inserts may be noted there: forget them all
                    _conversationChanges.Clear();
                    _listed = null;
                    batch.Done.TrySetException(ex);
                }
            }

            transaction.Commit();
            CommitCount++;
        }
        catch (Exception ex)
        {
            _tails.Clear();
            _conversationChanges.Clear();
            _listed = null;
            applied.ForEach(b => b.Done.TrySetException(ex));
            return;
        }

        applied.ForEach(b => b.Done.TrySetResult());
    }

    /// <summary>Transactions committed so far (for tests: group commit puts many batches in one).</summary>
    internal long CommitCount { get; private set; }

    /// <summary>Test hook: holds the store (as a long read would) until the result is disposed.</summary>
    internal async Task<IDisposable> HoldForTestAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        return new Releaser(_gate);
    }

    /// <summary>Test hook: the value of a PRAGMA on the store's connection.</summary>
    internal ValueTask<long> ReadPragmaAsync(string name) =>
        ReadAsync(() =>
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA " + name + ";";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None);

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private sealed class PendingBatch(IReadOnlyList<StoreOperation> operations)
    {
        public IReadOnlyList<StoreOperation> Operations { get; } = operations;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Applies a batch's operations in order; a run of read marks for one conversation (what marking a conversation read
    /// writes) is applied as one statement instead of a lookup and an update per message.
    /// </summary>
    private void ApplyAll(IReadOnlyList<StoreOperation> operations, SqliteTransaction transaction)
    {
        for (var i = 0; i < operations.Count;)
        {
            if (operations[i] is SetMessageStatus { Status: MessageStatus.Read } first)
            {
                var end = i + 1;
                while (end < operations.Count && operations[end] is SetMessageStatus { Status: MessageStatus.Read } next && next.Peer == first.Peer)
                {
                    end++;
                }

                if (end - i > 1)
                {
                    MarkRead(first.Peer, [.. Enumerable.Range(i, end - i).Select(k => ((SetMessageStatus)operations[k]).MessageId)], transaction);
                    i = end;
                    continue;
                }
            }

            Apply(operations[i], transaction);
            i++;
        }
    }

    private void Apply(StoreOperation operation, SqliteTransaction transaction)
    {
        switch (operation)
        {
            case SaveSession s:
                Run(transaction, "INSERT INTO sessions(peer_tag, state) VALUES($p, $s) ON CONFLICT(peer_tag) DO UPDATE SET state = excluded.state;",
                    ("$p", EnsurePeer(s.Peer, transaction)), ("$s", _sealer.Seal(s.State, SessionBinding(s.Peer))));
                break;
            case InsertMessage m:
                var msg = m.Message;
                var tag = EnsurePeer(msg.Peer, transaction);
                var sentMs = msg.Timestamp.ToUnixTimeMilliseconds();
                var body = JsonSerializer.SerializeToUtf8Bytes(new MessageBody(msg.Content, msg.ReplyTo, msg.Attachments), StorageJsonContext.Default.MessageBody);
                // Another peer's tombstone (a delete, possibly of an id it never had) never blocks this peer's message.
                if (Prepare("DELETE FROM messages WHERE id = $id AND deleted = 1 AND peer_tag <> $p;", transaction, [("$id", msg.Id), ("$p", tag)]).ExecuteNonQuery() > 0)
                {
                    _tails.Clear(); // that tombstone may have been its conversation's newest row
                }

                var inserted = Prepare("INSERT OR IGNORE INTO messages(id, peer_tag, direction, status, sent, body, seal_version) VALUES($id, $p, $d, $s, $t, $b, 2) RETURNING seq;",
                    transaction,
                    [("$id", msg.Id), ("$p", tag), ("$d", (int)msg.Direction), ("$s", (int)msg.Status),
                    ("$t", _sealer.Seal(RowCodec.EncodeTime(sentMs), RowCodec.MessageTimeBinding(msg.Id, msg.Peer))),
                    ("$b", _sealer.Seal(body, MessageBinding(msg.Id, msg.Peer, (int)msg.Direction, sentMs)))]).ExecuteScalar();
                if (inserted is long seq)
                {
                    Place(tag, msg.Peer, new MessageKey(seq, msg.Id, sentMs), transaction);
                    NoteInserted(tag, seq, msg, transaction);
                }

                break;
            case SetMessageStatus s:
                var statusTag = _directory.Tag(s.Peer);
                NoteStatusChange(statusTag, s.Peer, s.MessageId, s.Status, transaction);
                Run(transaction, "UPDATE messages SET status = $s WHERE id = $id AND peer_tag = $p AND deleted = 0;",
                    ("$s", (int)s.Status), ("$id", s.MessageId), ("$p", statusTag));
                break;
            case RemoveMessage r:
                NoteRemoval(_directory.Tag(r.Peer), r.Peer, r.MessageId, transaction);
                // Keep a tombstone row (no body; its sealed time keeps a paging cursor on it valid) so a late duplicate is still
                // recognised; another peer's row is left alone.
                Run(transaction, "INSERT INTO messages(id, peer_tag, direction, status, deleted, sent, body) VALUES($id, $p, 0, 0, 1, NULL, NULL) " +
                    "ON CONFLICT(id) DO UPDATE SET deleted = 1, body = NULL WHERE peer_tag = excluded.peer_tag;",
                    ("$id", r.MessageId), ("$p", _directory.Tag(r.Peer)));
                break;
            case EnqueueOutbox e:
                var entry = e.Entry;
                Run(transaction, "INSERT OR IGNORE INTO outbox(id, peer_tag, schedule, payload) VALUES($id, $p, $c, $b);",
                    ("$id", entry.Id), ("$p", EnsurePeer(entry.Peer, transaction)),
                    ("$c", SealSchedule(entry.Id, entry.CreatedAt.ToUnixTimeMilliseconds(), entry.Attempts, entry.NextAttemptAt.ToUnixTimeMilliseconds())),
                    ("$b", _sealer.Seal(entry.Payload, OutboxBinding(entry.Id))));
                break;
            case RemoveOutbox r:
                Run(transaction, "DELETE FROM outbox WHERE id = $id AND peer_tag = $p;", ("$id", r.EntryId), ("$p", _directory.Tag(r.Peer)));
                break;
            case RecordOutboxAttempt a:
                // The schedule is sealed as a whole: read the creation time back inside this transaction, seal it anew.
                byte[]? schedule;
                using (var reader = Prepare("SELECT schedule FROM outbox WHERE id = $id;", transaction, [("$id", a.EntryId)]).ExecuteReader())
                {
                    schedule = reader.Read() ? (byte[])reader.GetValue(0) : null;
                }

                if (schedule is not null)
                {
                    var (created, _, _) = OpenSchedule(a.EntryId, schedule);
                    Run(transaction, "UPDATE outbox SET schedule = $c WHERE id = $id;",
                        ("$c", SealSchedule(a.EntryId, created, a.Attempts, a.NextAttemptAt.ToUnixTimeMilliseconds())), ("$id", a.EntryId));
                }

                break;
            case SavePeerAddress p:
                Run(transaction, "INSERT INTO peers(peer_tag, ticket) VALUES($p, $t) ON CONFLICT(peer_tag) DO UPDATE SET ticket = excluded.ticket;",
                    ("$p", EnsurePeer(p.Peer, transaction)), ("$t", _sealer.Seal(Encoding.UTF8.GetBytes(p.Ticket), RowCodec.TicketBinding(p.Peer))));
                break;
            case SaveRecord r:
                ApplyRecord(r.Record, transaction);
                break;
            case RememberControl r:
                Run(transaction, "INSERT OR IGNORE INTO seen_controls(peer_tag, id) VALUES($p, $id);", ("$p", _directory.Tag(r.Peer)), ("$id", r.ControlId));
                break;
            case GroupStoreOperation g:
                ApplyGroup(g, transaction);
                break;
            default:
                throw new ArgumentException($"Unknown store operation {operation.GetType().Name}.", nameof(operation));
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() => QueryMessages($"SELECT {MessageColumns} FROM messages WHERE id = $id AND deleted = 0;", ("$id", messageId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc />
    public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            byte[] tag;
            MessageDirection direction;
            MessageStatus status;
            using (var reader = Query("SELECT peer_tag, direction, status FROM messages WHERE id = $id AND deleted = 0;", ("$id", messageId)))
            {
                if (!reader.Read())
                {
                    return null;
                }

                (tag, direction, status) = ((byte[])reader.GetValue(0), (MessageDirection)reader.GetInt32(1), (MessageStatus)reader.GetInt32(2));
            }

            return new MessageInfo(messageId, PeerOf(tag, null), direction, status);
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM messages WHERE id = $id AND peer_tag = $p;", ("$id", messageId), ("$p", _directory.Tag(peer)));
            return reader.Read();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM seen_controls WHERE peer_tag = $p AND id = $id;", ("$p", _directory.Tag(peer)), ("$id", controlId));
            return reader.Read();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM messages WHERE id = $id;", ("$id", messageId));
            return reader.Read();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT ticket FROM peers WHERE peer_tag = $p;", ("$p", _directory.Tag(peer)));
            return reader.Read() ? Encoding.UTF8.GetString(_sealer.Open((byte[])reader.GetValue(0), RowCodec.TicketBinding(peer))) : null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<OutboxEntry>>(() =>
        {
            var result = new List<OutboxEntry>();
            using var reader = Query("SELECT id, schedule, payload FROM outbox WHERE peer_tag = $p ORDER BY seq;", ("$p", _directory.Tag(peer)));
            while (reader.Read())
            {
                result.Add(ReadOutboxEntry(reader.GetString(0), peer, (byte[])reader.GetValue(1), (byte[])reader.GetValue(2)));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<EndpointId>>(() =>
        {
            var tags = new List<byte[]>();
            using (var reader = Query("SELECT DISTINCT peer_tag FROM outbox;"))
            {
                while (reader.Read())
                {
                    tags.Add((byte[])reader.GetValue(0));
                }
            }

            return tags.Select(t => PeerOf(t, null)).ToList();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT state FROM sessions WHERE peer_tag = $p;", ("$p", _directory.Tag(peer)));
            return reader.Read() ? _sealer.Open((byte[])reader.GetValue(0), SessionBinding(peer)) : null;
        }, cancellationToken);

    /// <summary>Closes the file (checkpointing the WAL).</summary>
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
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
            _directory.Dispose();
            _fileLock?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<T> ReadAsync<T>(Func<T> read, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return read();
        }
        finally
        {
            _gate.Release();
        }
    }

    internal const string MessageColumns = "id, peer_tag, direction, status, sent, body, seal_version";

    private List<StoredMessage> QueryMessages(string sql, params (string Name, object Value)[] parameters) => QueryMessages(null, sql, parameters);

    private List<StoredMessage> QueryMessages(SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var rows = new List<(string Id, byte[] Tag, int Direction, int Status, byte[] Sent, byte[] Body, int SealVersion)>();
        using (var reader = Prepare(sql, transaction, parameters).ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), (byte[])reader.GetValue(1), reader.GetInt32(2), reader.GetInt32(3), (byte[])reader.GetValue(4),
                    (byte[])reader.GetValue(5), reader.GetInt32(6)));
            }
        }

        var result = new List<StoredMessage>(rows.Count);
        foreach (var row in rows)
        {
            var peer = PeerOf(row.Tag, transaction);
            var sentMs = OpenTime(row.Id, peer, row.Sent);
            var binding = row.SealVersion == 1 ? MessageBindingV1(row.Id) : MessageBinding(row.Id, peer, row.Direction, sentMs);
            var body = JsonSerializer.Deserialize(_sealer.Open(row.Body, binding), StorageJsonContext.Default.MessageBody)
                ?? throw new InvalidDataException($"Message {row.Id} has an empty body.");
            result.Add(new StoredMessage(row.Id, peer, (MessageDirection)row.Direction, body.Content, DateTimeOffset.FromUnixTimeMilliseconds(sentMs),
                body.ReplyTo, body.Attachments ?? [], (MessageStatus)row.Status));
        }

        return result;
    }

    /// <summary>A live message of one peer in display order: by its (sealed) time, then by arrival.</summary>
    private readonly record struct MessageKey(long Seq, string Id, long SentMs)
    {
        public static readonly IComparer<MessageKey> Order = Comparer<MessageKey>.Create((a, b) =>
            a.SentMs != b.SentMs ? a.SentMs.CompareTo(b.SentMs) : a.Seq.CompareTo(b.Seq));
    }

    private static UInt128 OrderKey(byte[] tag) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(tag);

    /// <summary>Makes sure the directory can map the peer's tag back to it; returns the tag.</summary>
    private byte[] EnsurePeer(EndpointId peer, SqliteTransaction transaction)
    {
        var tag = _directory.Tag(peer);
        // Always written (INSERT OR IGNORE): a cache of "already there" could outlive a rolled-back savepoint.
        Run(transaction, "INSERT OR IGNORE INTO peer_directory(tag, peer) VALUES($t, $p);", ("$t", tag), ("$p", _directory.Seal(peer, tag)));
        return tag;
    }

    /// <summary>The peer a row's tag names, from the sealed directory.</summary>
    private EndpointId PeerOf(byte[] tag, SqliteTransaction? transaction)
    {
        if (_directory.TryGetResolved(tag, out var peer))
        {
            return peer;
        }

        using var reader = Prepare("SELECT peer FROM peer_directory WHERE tag = $t;", transaction, [("$t", tag)]).ExecuteReader();
        return reader.Read()
            ? _directory.Open(tag, (byte[])reader.GetValue(0))
            : throw new InvalidDataException("A row names a peer that the peer directory does not hold.");
    }

    private long OpenTime(string id, EndpointId peer, byte[] sealedTime) =>
        RowCodec.TryDecodeTime(_sealer.Open(sealedTime, RowCodec.MessageTimeBinding(id, peer)), out var ms)
            ? ms
            : throw new InvalidDataException($"Message {id} has no valid time.");

    private byte[] SealSchedule(string id, long createdMs, int attempts, long nextAttemptMs) =>
        _sealer.Seal(RowCodec.EncodeSchedule(createdMs, attempts, nextAttemptMs), RowCodec.ScheduleBinding(id));

    private (long CreatedMs, int Attempts, long NextAttemptMs) OpenSchedule(string id, byte[] sealedSchedule) =>
        RowCodec.TryDecodeSchedule(_sealer.Open(sealedSchedule, RowCodec.ScheduleBinding(id)), out var created, out var attempts, out var next)
            ? (created, attempts, next)
            : throw new InvalidDataException($"Outbox entry {id} has no valid schedule.");

    private OutboxEntry ReadOutboxEntry(string id, EndpointId peer, byte[] sealedSchedule, byte[] sealedPayload)
    {
        var (created, attempts, next) = OpenSchedule(id, sealedSchedule);
        return new OutboxEntry(id, peer, _sealer.Open(sealedPayload, OutboxBinding(id)), DateTimeOffset.FromUnixTimeMilliseconds(created), attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(next));
    }

    private SqliteDataReader Query(string sql, params (string Name, object Value)[] parameters)
    {
        var command = Prepare(sql, null, parameters);
        return command.ExecuteReader();
    }

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters) =>
        Prepare(sql, transaction, parameters).ExecuteNonQuery();

    // Commands are cached per SQL text so SQLite compiles each statement once.
    private SqliteCommand Prepare(string sql, SqliteTransaction? transaction, (string Name, object Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] SessionBinding(EndpointId peer) => Encoding.ASCII.GetBytes("sessions:" + peer);

    private static byte[] MessageBindingV1(string id) => Encoding.UTF8.GetBytes("messages:" + id);

    /// <summary>Binds a body to its whole row; the peer hex, direction and timestamp fields have no NUL, so the id is the rest.</summary>
    private static byte[] MessageBinding(string id, EndpointId peer, int direction, long timestampMs) =>
        Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"messages/2:{id}\0{peer}\0{direction}\0{timestampMs}"));

    private static byte[] OutboxBinding(string id) => Encoding.UTF8.GetBytes("outbox:" + id);
}
