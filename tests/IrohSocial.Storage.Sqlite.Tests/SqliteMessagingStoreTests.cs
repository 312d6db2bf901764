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
    public async Task GetMessages_ManyLateMessagesIntoOneGap_RenumbersAndKeepsTimeOrder()
    {
        const string name = nameof(GetMessages_ManyLateMessagesIntoOneGap_RenumbersAndKeepsTimeOrder);
        var store = await CreateAsync(name);
        await store.ApplyAsync([new InsertMessage(Message("first", Bob, MessageDirection.Incoming, 0)), new InsertMessage(Message("last", Bob, MessageDirection.Incoming, 10_000))]);
        // Each late message sorts right after "first": the gap there halves every time until the conversation is renumbered.
        for (var i = 1; i <= 45; i++)
        {
            await store.ApplyAsync([new InsertMessage(Message("m" + i, Bob, MessageDirection.Incoming, 1_000 - i))]);
        }

        string[] expected = ["first", .. Enumerable.Range(1, 45).Reverse().Select(i => "m" + i), "last"];
        for (var round = 0; round < 2; round++)
        {
            Assert.Equal(expected, (await store.GetMessagesAsync(Bob, 100, null)).Select(m => m.Id));
            Assert.Equal(["m22", "m21"], (await store.GetMessagesAsync(Bob, 2, "m20")).Select(m => m.Id));
            Assert.Equal(expected, await ((IStoreMaintenance)store).GetMessageIdsAsync(Bob));
            store = await ReopenAsync(store, name);
            await store.ApplyAsync([new InsertMessage(Message("x" + round, Bob, MessageDirection.Outgoing, 999))]); // between m1 and "last"
            expected = [.. expected[..^1], "x" + round, "last"];
        }

        await store.DisposeAsync();
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
        await store.ApplyAsync([new InsertMessage(Message("m0", Bob, MessageDirection.Outgoing, 0))]);
        Assert.Equal("m0", Assert.Single(await store.GetConversationsAsync()).LastMessage.Id);
        // A second insert of the same outbox seq is ignored, but a NULL id violates NOT NULL and aborts the batch.
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.ApplyAsync(
        [
            new SaveSession(Bob, [9, 9]),
            new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1)),
            new InsertMessage(Message(null!, Bob, MessageDirection.Incoming, 2)),
        ]));
        Assert.Null(await store.LoadSessionAsync(Bob));
        Assert.Null(await store.GetMessageAsync("m1"));

        // Nothing of the batch is left in the kept list or the kept newest position either.
        var conversation = Assert.Single(await store.GetConversationsAsync());
        Assert.Equal(("m0", 0), (conversation.LastMessage.Id, conversation.UnreadCount));
        await store.ApplyAsync([new InsertMessage(Message("m2", Bob, MessageDirection.Incoming, 2))]);
        Assert.Equal(["m0", "m2"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id));
        Assert.Equal(("m2", 1), (Assert.Single(await store.GetConversationsAsync()).LastMessage.Id, Assert.Single(await store.GetConversationsAsync()).UnreadCount));
    }

    [Fact]
    public async Task OpenAsync_CommitsAreDurable_SynchronousFull()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("durable.db"), _sealer);
        // 2 = FULL: every WAL commit is fsynced before ApplyAsync returns, so an acknowledgement sent after it survives a power cut.
        Assert.Equal(2L, await store.ReadPragmaAsync("synchronous"));
    }

    [Fact]
    public async Task OpenAsync_SavepointJournalsStayInMemory_NoTemporaryFiles()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("temp.db"), _sealer);
        // 2 = MEMORY: a batch's savepoint journal (the originals of the pages it changes) is not written to a temporary file.
        Assert.Equal(2L, await store.ReadPragmaAsync("temp_store"));
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
    [InlineData("peer_tag = (SELECT peer_tag FROM messages WHERE id = 'other')")]
    [InlineData("direction = 0")]
    [InlineData("sent = (SELECT sent FROM messages WHERE id = 'other')")]
    public async Task MessageRow_ClearColumnEdited_BodyNoLongerOpens(string edit)
    {
        var path = _folder.File("bound.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1)), new InsertMessage(Message("other", Alice, MessageDirection.Incoming, 2))]);
        }

        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "UPDATE messages SET " + edit + " WHERE id = 'm1';";
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
                new SavePeerAddress(Bob, "ticket-with-192.0.2.77:4433"),
                new SaveRecord(new StoredRecord("call.record", "call-canary-id", Bob, T0, "{\"detail\":\"record body canary\"}"u8.ToArray())),
                new RememberControl(Bob, "control-1"),
            ]);
        }

        var bytes = ReadAllFiles(path);
        // Metadata (schema 5, records since 6): no peer id in either form, no ticket or address, no record id or body, no time.
        Assert.False(Contains(bytes, Bob.ToArray()));
        Assert.False(Contains(bytes, Encoding.ASCII.GetBytes(Bob.ToString())));
        Assert.False(Contains(bytes, Encoding.ASCII.GetBytes("192.0.2.77")));
        Assert.False(Contains(bytes, Encoding.ASCII.GetBytes("call-canary-id")));
        Assert.False(Contains(bytes, Encoding.ASCII.GetBytes("record body canary")));
        var ms = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(ms, T0.ToUnixTimeMilliseconds());
        Assert.False(Contains(bytes, ms[2..]));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secretText)));
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes("outbox secret")));
        Assert.False(Contains(bytes, sessionState.AsSpan(0, 16).ToArray()));
        // Positive control: the scan does find data that is stored in the clear.
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes("m1")));
    }

    [Fact]
    public async Task Open_DatabaseAndItsCompanions_AreOwnerOnly_AndLooserFilesTightened()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }

        var loose = _folder.File("loose.db");
        var fresh = _folder.File("fresh-mode.db");
        File.WriteAllBytes(loose, []);
        File.SetUnixFileMode(loose, (UnixFileMode)0x1A4); // 0644, as SQLite leaves it under a usual umask
        foreach (var path in new[] { loose, fresh })
        {
            await using var store = await SqliteMessagingStore.OpenAsync(path, _sealer);
            await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1))]);
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task Paging_KeptOrder_FollowsInsertsAndForgetsRolledBackBatches()
    {
        await using var store = await SqliteMessagingStore.OpenAsync(_folder.File("order.db"), _sealer);
        await store.ApplyAsync([new InsertMessage(Message("m10", Bob, MessageDirection.Incoming, 10)), new InsertMessage(Message("m30", Bob, MessageDirection.Incoming, 30))]);
        Assert.Equal(["m10", "m30"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id)); // order now kept

        // An older message arriving late lands in time order, not at the end.
        await store.ApplyAsync([new InsertMessage(Message("m20", Bob, MessageDirection.Outgoing, 20))]);
        Assert.Equal(["m10", "m20", "m30"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id));

        // A batch that fails after its insert rolls back: the kept order must not show the message.
        var bad = new StoredRecord("call.record", "", Bob, T0, []);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.ApplyAsync([new InsertMessage(Message("m40", Bob, MessageDirection.Incoming, 40)), new SaveRecord(bad)]));
        Assert.Equal(["m10", "m20", "m30"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id));
        Assert.Equal("m30", Assert.Single(await store.GetConversationsAsync()).LastMessage.Id);

        await store.ApplyAsync([new RemoveMessage(Bob, "m30")]);
        Assert.Equal(["m10", "m20"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id));
        Assert.Equal(["m10"], (await store.GetMessagesAsync(Bob, 10, "m20")).Select(m => m.Id));
        Assert.Equal(["m10", "m20"], (await store.GetMessagesAsync(Bob, 10, "m30")).Select(m => m.Id)); // cursor on a tombstone
    }

    [Fact]
    public async Task Open_WithOtherIdentity_IsRefusedAndChangesNothing()
    {
        var path = _folder.File("other.db");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync([new SaveSession(Bob, [1, 2, 3])]);
        }

        using var otherIdentity = SecretKey.Generate();
        using var otherSealer = new AtRestSealer(otherIdentity);
        // Its blind-index tags would all differ: without the probe the store would read as empty, not as foreign.
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await SqliteMessagingStore.OpenAsync(path, otherSealer));
        await using var again = await SqliteMessagingStore.OpenAsync(path, _sealer);
        Assert.Equal([1, 2, 3], await again.LoadSessionAsync(Bob));
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
