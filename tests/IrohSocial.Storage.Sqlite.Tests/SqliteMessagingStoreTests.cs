using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Storage;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Tests;

public sealed class SqliteMessagingStoreTests : MessagingStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;

    public SqliteMessagingStoreTests() => _sealer = new AtRestSealer(_identity);

    protected override async Task<IMessagingStore> CreateAsync(string name) => await SqliteMessagingStore.OpenAsync(_folder.File(name + ".db"), _sealer);

    protected override async Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name)
    {
        await store.DisposeAsync();
        return await CreateAsync(name);
    }

    [Fact]
    public async Task OpenAsync_NewFile_MigratesToCurrentVersionInWalMode()
    {
        var path = _folder.File("fresh.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            Assert.Equal(Internal.Migrations.CurrentVersion, store.SchemaVersion);
        }

        await using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        await raw.OpenAsync();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal((long)Internal.Migrations.CurrentVersion, (long?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task BigHistoryQueries_UseIndexes_NeverScanEveryMessage()
    {
        // Timing would be flaky; the query plan is what makes a 1,000,000-message history fast (docs/benchmarks.md).
        var path = _folder.File("plans.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
        }

        await using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        await raw.OpenAsync();
        foreach (var (query, index) in new[] { (SqliteMessagingStore.ConversationsQuery, "ix_messages_unread"), (SqliteMessagingStore.UnreadIdsQuery, "ix_messages_unread") })
        {
            using var command = raw.CreateCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + query;
            command.Parameters.AddWithValue("$p", new byte[32]);
            var plan = new List<string>();
            using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(3));
                }
            }

            Assert.Contains(plan, line => line.Contains(index, StringComparison.Ordinal));
            // A scan is fine only where it stops at the first index entry (the first conversation: ORDER BY peer LIMIT 1).
            Assert.All(plan.Where(line => line.StartsWith("SCAN messages", StringComparison.Ordinal)), line => Assert.Contains("COVERING INDEX ix_messages_peer_time", line, StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task OpenAsync_NewerSchema_Throws()
    {
        var path = _folder.File("future.db");
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteMessagingStore.OpenAsync(path, _sealer));
    }

    [Fact]
    public async Task ApplyAsync_FailingOperation_RollsBackWholeBatch()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("rollback.db"), _sealer);
        // A second insert of the same outbox seq is ignored, but a NULL id violates NOT NULL and aborts the batch.
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.ApplyAsync(
        [
            new SaveSession(Bob, [9, 9]),
            new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1)),
            new InsertMessage(Message(null!, Bob, MessageDirection.Incoming, 2)),
        ]));
        Assert.Null(await store.LoadSessionAsync(Bob));
        Assert.Null(await store.GetMessageAsync("m1"));
    }

    [Fact]
    public async Task OpenAsync_CommitsAreDurable_SynchronousFull()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("durable.db"), _sealer);
        // 2 = FULL: every WAL commit is fsynced before ApplyAsync returns, so an acknowledgement sent after it survives a power cut.
        Assert.Equal(2L, await store.ReadPragmaAsync("synchronous"));
    }

    [Fact]
    public async Task ApplyAsync_ConcurrentBatches_OneTransactionAndAFailingBatchRollsBackAlone()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("group.db"), _sealer);
        var before = store.CommitCount;
        Task[] writes;
        // Hold the store so the batches queue up behind the first one, as concurrent peers' batches do.
        using (await store.HoldForTestAsync())
        {
            writes = Enumerable.Range(0, 50).Select(i => store.ApplyAsync(i == 25
                ? [new InsertMessage(Message("bad-ok", Bob, MessageDirection.Incoming, 1)), new InsertMessage(Message(null!, Bob, MessageDirection.Incoming, 2))]
                : [new InsertMessage(Message($"m{i}", Bob, MessageDirection.Incoming, i))]).AsTask()).ToArray();
        }

        await Assert.ThrowsAnyAsync<Exception>(() => writes[25]);
        await Task.WhenAll(writes.Where((_, i) => i != 25));
        Assert.Equal(1, store.CommitCount - before);
        Assert.Equal(49, (await store.GetMessagesAsync(Bob, 100, null)).Count);
        Assert.Null(await store.GetMessageAsync("bad-ok"));
    }

    [Theory]
    [InlineData("peer = $other")]
    [InlineData("direction = 0")]
    [InlineData("timestamp_ms = timestamp_ms + 1")]
    public async Task MessageRow_ClearColumnEdited_BodyNoLongerOpens(string edit)
    {
        var path = _folder.File("bound.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1))]);
        }

        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "UPDATE messages SET " + edit + " WHERE id = 'm1';";
            command.Parameters.AddWithValue("$other", Alice.ToArray());
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var reopened = await SqliteMessagingStore.OpenAsync(path, _sealer);
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await reopened.GetMessageAsync("m1"));
    }

    [Fact]
    public async Task File_HoldsNoPlaintextOrKeyBytes()
    {
        var path = _folder.File("scan.db");
        const string secretText = "the eagle lands at midnight";
        byte[] sessionState = Enumerable.Range(0, 64).Select(i => (byte)(i * 7 + 3)).ToArray();
        byte[] outboxPayload = Encoding.UTF8.GetBytes("{\"type\":\"message\",\"content\":\"outbox secret words\"}");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync(
            [
                new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1, text: secretText)),
                new SaveSession(Bob, sessionState),
                new EnqueueOutbox(new OutboxEntry("o1", Bob, outboxPayload, T0, 0, T0)),
            ]);
        }

        var bytes = ReadAllFiles(path);
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secretText)));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes("outbox secret")));
        Assert.False(Contains(bytes, sessionState.AsSpan(0, 16).ToArray()));
        // Positive control: the scan does find data that is stored in the clear.
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes("m1")));
    }

    [Fact]
    public async Task Read_WithOtherIdentity_FailsAuthentication()
    {
        var path = _folder.File("other.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync([new SaveSession(Bob, [1, 2, 3])]);
        }

        using var otherIdentity = SecretKey.Generate();
        using var otherSealer = new AtRestSealer(otherIdentity);
        await using var reopened = await SqliteMessagingStore.OpenAsync(path, otherSealer);
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await reopened.LoadSessionAsync(Bob));
    }

    internal static byte[] ReadAllFiles(string dbPath)
    {
        using var buffer = new MemoryStream();
        foreach (var file in new[] { dbPath, dbPath + "-wal", dbPath + "-shm" }.Where(System.IO.File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.CopyTo(buffer);
        }

        return buffer.ToArray();
    }

    internal static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
