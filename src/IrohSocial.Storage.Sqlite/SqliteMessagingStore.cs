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
/// an <see cref="AtRestSealer"/> bound to their row, so the file holds no message text and no key bytes.
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
    public static async Task<SqliteMessagingStore> OpenAsync(string path, AtRestSealer sealer, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sealer);
        var fileLock = StoreLock.Acquire(path); // held until DisposeAsync: one store per file
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var store = new SqliteMessagingStore(connection, sealer) { _fileLock = fileLock };
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            fileLock.Dispose();
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=4096;", cancellationToken).ConfigureAwait(false);
        var version = Convert.ToInt32(await ScalarAsync("PRAGMA user_version;", cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Migrations.CurrentVersion)
        {
            throw new InvalidOperationException($"The database has schema version {version}; this build knows up to {Migrations.CurrentVersion}.");
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

            transaction.Commit();
        }

        ResealVersion1Bodies();
        SchemaVersion = Migrations.CurrentVersion;
    }

    /// <summary>Re-seals message bodies sealed with the id-only binding so they are bound to their whole row.</summary>
    private void ResealVersion1Bodies()
    {
        var rows = new List<(string Id, byte[] Peer, int Direction, long Timestamp, byte[] Body)>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT id, peer, direction, timestamp_ms, body FROM messages WHERE seal_version = 1 AND body IS NOT NULL;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), (byte[])reader.GetValue(1), reader.GetInt32(2), reader.GetInt64(3), (byte[])reader.GetValue(4)));
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
                var resealed = _sealer.Seal(plain, MessageBinding(row.Id, new EndpointId(row.Peer), row.Direction, row.Timestamp));
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
                    foreach (var operation in batch.Operations)
                    {
                        Apply(operation, transaction);
                    }

                    transaction.Release(savepoint);
                    applied.Add(batch);
                }
                catch (Exception ex)
                {
                    transaction.Rollback(savepoint);
                    transaction.Release(savepoint);
                    batch.Done.TrySetException(ex);
                }
            }

            transaction.Commit();
            CommitCount++;
        }
        catch (Exception ex)
        {
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

    private void Apply(StoreOperation operation, SqliteTransaction transaction)
    {
        switch (operation)
        {
            case SaveSession s:
                Run(transaction, "INSERT INTO sessions(peer, state) VALUES($p, $s) ON CONFLICT(peer) DO UPDATE SET state = excluded.state;",
                    ("$p", s.Peer.ToArray()), ("$s", _sealer.Seal(s.State, SessionBinding(s.Peer))));
                break;
            case InsertMessage m:
                var msg = m.Message;
                var body = JsonSerializer.SerializeToUtf8Bytes(new MessageBody(msg.Content, msg.ReplyTo, msg.Attachments), StorageJsonContext.Default.MessageBody);
                // Another peer's tombstone (a delete, possibly of an id it never had) never blocks this peer's message.
                Run(transaction, "DELETE FROM messages WHERE id = $id AND deleted = 1 AND peer <> $p;", ("$id", msg.Id), ("$p", msg.Peer.ToArray()));
                Run(transaction, "INSERT OR IGNORE INTO messages(id, peer, direction, timestamp_ms, status, body, seal_version) VALUES($id, $p, $d, $t, $s, $b, 2);",
                    ("$id", msg.Id), ("$p", msg.Peer.ToArray()), ("$d", (int)msg.Direction), ("$t", msg.Timestamp.ToUnixTimeMilliseconds()),
                    ("$s", (int)msg.Status), ("$b", _sealer.Seal(body, MessageBinding(msg.Id, msg.Peer, (int)msg.Direction, msg.Timestamp.ToUnixTimeMilliseconds()))));
                break;
            case SetMessageStatus s:
                Run(transaction, "UPDATE messages SET status = $s WHERE id = $id AND peer = $p AND deleted = 0;",
                    ("$s", (int)s.Status), ("$id", s.MessageId), ("$p", s.Peer.ToArray()));
                break;
            case RemoveMessage r:
                // Keep a tombstone row (no body) so a late duplicate is still recognised; another peer's row is left alone.
                Run(transaction, "INSERT INTO messages(id, peer, direction, timestamp_ms, status, deleted, body) VALUES($id, $p, 0, 0, 0, 1, NULL) " +
                    "ON CONFLICT(id) DO UPDATE SET deleted = 1, body = NULL WHERE peer = excluded.peer;", ("$id", r.MessageId), ("$p", r.Peer.ToArray()));
                break;
            case EnqueueOutbox e:
                var entry = e.Entry;
                Run(transaction, "INSERT OR IGNORE INTO outbox(id, peer, created_ms, attempts, next_attempt_ms, payload) VALUES($id, $p, $c, $a, $n, $b);",
                    ("$id", entry.Id), ("$p", entry.Peer.ToArray()), ("$c", entry.CreatedAt.ToUnixTimeMilliseconds()), ("$a", entry.Attempts),
                    ("$n", entry.NextAttemptAt.ToUnixTimeMilliseconds()), ("$b", _sealer.Seal(entry.Payload, OutboxBinding(entry.Id))));
                break;
            case RemoveOutbox r:
                Run(transaction, "DELETE FROM outbox WHERE id = $id AND peer = $p;", ("$id", r.EntryId), ("$p", r.Peer.ToArray()));
                break;
            case RecordOutboxAttempt a:
                Run(transaction, "UPDATE outbox SET attempts = $a, next_attempt_ms = $n WHERE id = $id;",
                    ("$a", a.Attempts), ("$n", a.NextAttemptAt.ToUnixTimeMilliseconds()), ("$id", a.EntryId));
                break;
            case SavePeerAddress p:
                Run(transaction, "INSERT INTO peers(peer, ticket) VALUES($p, $t) ON CONFLICT(peer) DO UPDATE SET ticket = excluded.ticket;",
                    ("$p", p.Peer.ToArray()), ("$t", p.Ticket));
                break;
            case SaveCall c:
                var call = c.Call;
                Run(transaction, "INSERT OR REPLACE INTO calls(call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason) VALUES($id, $p, $d, $s, $u, $v, $r);",
                    ("$id", call.CallId), ("$p", call.Peer.ToArray()), ("$d", (int)call.Direction), ("$s", call.StartedAt.ToUnixTimeMilliseconds()),
                    ("$u", (long)call.Duration.TotalMilliseconds), ("$v", call.HadVideo ? 1 : 0), ("$r", (int)call.EndedReason));
                break;
            case RememberControl r:
                Run(transaction, "INSERT OR IGNORE INTO seen_controls(peer, id) VALUES($p, $id);", ("$p", r.Peer.ToArray()), ("$id", r.ControlId));
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
        ReadAsync(() => QueryMessages(
            "SELECT id, peer, direction, timestamp_ms, status, body, seal_version FROM messages WHERE id = $id AND deleted = 0;", ("$id", messageId)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc />
    public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT peer, direction, status FROM messages WHERE id = $id AND deleted = 0;", ("$id", messageId));
            return reader.Read()
                ? new MessageInfo(messageId, new EndpointId((byte[])reader.GetValue(0)), (MessageDirection)reader.GetInt32(1), (MessageStatus)reader.GetInt32(2))
                : null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM messages WHERE id = $id AND peer = $p;", ("$id", messageId), ("$p", peer.ToArray()));
            return reader.Read();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT 1 FROM seen_controls WHERE peer = $p AND id = $id;", ("$p", peer.ToArray()), ("$id", controlId));
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
    public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync<IReadOnlyList<StoredMessage>>(() =>
        {
            var (time, seq) = (long.MaxValue, long.MaxValue);
            if (beforeMessageId is not null)
            {
                // Deleted rows stay as tombstones, so a cursor on a message deleted since its page was read still works.
                using var at = Query("SELECT timestamp_ms, seq FROM messages WHERE id = $id AND peer = $p;", ("$id", beforeMessageId), ("$p", peer.ToArray()));
                if (!at.Read())
                {
                    throw new ArgumentException("No message with this id was stored in this conversation.", nameof(beforeMessageId));
                }

                (time, seq) = (at.GetInt64(0), at.GetInt64(1));
            }

            var rows = QueryMessages(
                "SELECT id, peer, direction, timestamp_ms, status, body, seal_version FROM messages WHERE peer = $p AND deleted = 0 " +
                "AND (timestamp_ms < $t OR (timestamp_ms = $t AND seq < $s)) ORDER BY timestamp_ms DESC, seq DESC LIMIT $l;",
                ("$p", peer.ToArray()), ("$t", time), ("$s", seq), ("$l", limit));
            rows.Reverse();
            return rows;
        }, cancellationToken);
    }

    /// <summary>Unread incoming messages of one conversation, oldest first, from the partial index of unread rows only.</summary>
    internal const string UnreadIdsQuery =
        "SELECT id FROM messages INDEXED BY ix_messages_unread WHERE peer = $p AND deleted = 0 AND direction = 1 AND status <> 2 ORDER BY timestamp_ms, seq;";

    /// <summary>
    /// Every conversation with its last message and unread count, one index seek per conversation instead of a pass
    /// over every message: the recursive step jumps to the next peer in ix_messages_peer_time, the last message is
    /// that index's last entry for the peer, and the count reads only the partial ix_messages_unread.
    /// </summary>
    internal const string ConversationsQuery =
        "WITH RECURSIVE conv(peer) AS (" +
        "SELECT (SELECT peer FROM messages WHERE deleted = 0 ORDER BY peer LIMIT 1) " +
        "UNION ALL SELECT (SELECT m.peer FROM messages m WHERE m.peer > conv.peer AND m.deleted = 0 ORDER BY m.peer LIMIT 1) FROM conv WHERE conv.peer IS NOT NULL) " +
        "SELECT last.id, last.peer, last.direction, last.timestamp_ms, last.status, last.body, last.seal_version, " +
        "(SELECT COUNT(*) FROM messages u INDEXED BY ix_messages_unread WHERE u.peer = conv.peer AND u.direction = 1 AND u.status <> 2 AND u.deleted = 0) " +
        "FROM conv JOIN messages last ON last.seq = " +
        "(SELECT l.seq FROM messages l WHERE l.peer = conv.peer AND l.deleted = 0 ORDER BY l.timestamp_ms DESC, l.seq DESC LIMIT 1) " +
        "WHERE conv.peer IS NOT NULL;";

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(() =>
        {
            var result = new List<string>();
            using var reader = Query(UnreadIdsQuery, ("$p", peer.ToArray()));
            while (reader.Read())
            {
                result.Add(reader.GetString(0));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<ConversationSummary>>(() =>
        {
            var result = new List<ConversationSummary>();
            using (var reader = Query(ConversationsQuery))
            {
                while (reader.Read())
                {
                    var last = ReadMessage(reader);
                    result.Add(new ConversationSummary(last.Peer, last, reader.GetInt32(7)));
                }
            }

            return result.OrderByDescending(s => s.LastMessage.Timestamp).ToList();
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT ticket FROM peers WHERE peer = $p;", ("$p", peer.ToArray()));
            return reader.Read() ? reader.GetString(0) : null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<OutboxEntry>>(() =>
        {
            var result = new List<OutboxEntry>();
            using var reader = Query("SELECT id, created_ms, attempts, next_attempt_ms, payload FROM outbox WHERE peer = $p ORDER BY seq;", ("$p", peer.ToArray()));
            while (reader.Read())
            {
                var id = reader.GetString(0);
                var payload = _sealer.Open((byte[])reader.GetValue(4), OutboxBinding(id));
                result.Add(new OutboxEntry(id, peer, payload, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<EndpointId>>(() =>
        {
            var result = new List<EndpointId>();
            using var reader = Query("SELECT DISTINCT peer FROM outbox;");
            while (reader.Read())
            {
                result.Add(new EndpointId((byte[])reader.GetValue(0)));
            }

            return result;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        ReadAsync(() =>
        {
            using var reader = Query("SELECT state FROM sessions WHERE peer = $p;", ("$p", peer.ToArray()));
            return reader.Read() ? _sealer.Open((byte[])reader.GetValue(0), SessionBinding(peer)) : null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<CallRecord>> GetCallHistoryAsync(int limit, DateTimeOffset? before, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadAsync<IReadOnlyList<CallRecord>>(() =>
        {
            var result = new List<CallRecord>();
            using var reader = Query(
                "SELECT call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason FROM calls WHERE started_ms < $b ORDER BY started_ms DESC LIMIT $l;",
                ("$b", before?.ToUnixTimeMilliseconds() ?? long.MaxValue), ("$l", limit));
            while (reader.Read())
            {
                result.Add(new CallRecord(reader.GetString(0), new EndpointId((byte[])reader.GetValue(1)), (CallDirection)reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), TimeSpan.FromMilliseconds(reader.GetInt64(4)),
                    reader.GetInt32(5) != 0, (CallEndReason)reader.GetInt32(6)));
            }

            return result;
        }, cancellationToken);
    }

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

    private List<StoredMessage> QueryMessages(string sql, params (string Name, object Value)[] parameters)
    {
        var result = new List<StoredMessage>();
        using var reader = Query(sql, parameters);
        while (reader.Read())
        {
            result.Add(ReadMessage(reader));
        }

        return result;
    }

    /// <summary>Reads columns 0-6 (id, peer, direction, timestamp_ms, status, body, seal_version) and opens the body.</summary>
    private StoredMessage ReadMessage(SqliteDataReader reader)
    {
        var id = reader.GetString(0);
        var peer = new EndpointId((byte[])reader.GetValue(1));
        var binding = reader.GetInt32(6) == 1 ? MessageBindingV1(id) : MessageBinding(id, peer, reader.GetInt32(2), reader.GetInt64(3));
        var body = JsonSerializer.Deserialize(_sealer.Open((byte[])reader.GetValue(5), binding), StorageJsonContext.Default.MessageBody)
            ?? throw new InvalidDataException($"Message {id} has an empty body.");
        return new StoredMessage(id, peer, (MessageDirection)reader.GetInt32(2), body.Content,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), body.ReplyTo, body.Attachments ?? [], (MessageStatus)reader.GetInt32(4));
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
