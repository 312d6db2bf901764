using System.Text;
using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Tests;

/// <summary>
/// A database written by the first schema (version 1, as shipped) opens with today's store, migrates, and keeps
/// every row readable. The version-1 schema and row encodings are frozen copies here on purpose: they describe
/// files that exist on users' disks, whatever the current code does.
/// </summary>
public sealed class SchemaMigrationTests : IDisposable
{
    private const string SchemaV1 = """
        CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, peer BLOB NOT NULL, direction INTEGER NOT NULL,
            timestamp_ms INTEGER NOT NULL, status INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, body BLOB NULL);
        CREATE INDEX ix_messages_peer_time ON messages(peer, deleted, timestamp_ms, seq);
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, peer BLOB NOT NULL, created_ms INTEGER NOT NULL,
            attempts INTEGER NOT NULL, next_attempt_ms INTEGER NOT NULL, payload BLOB NOT NULL);
        CREATE INDEX ix_outbox_peer ON outbox(peer, seq);
        CREATE TABLE sessions (peer BLOB PRIMARY KEY, state BLOB NOT NULL);
        CREATE TABLE peers (peer BLOB PRIMARY KEY, ticket TEXT NOT NULL);
        CREATE TABLE calls (call_id TEXT PRIMARY KEY, peer BLOB NOT NULL, direction INTEGER NOT NULL, started_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL, had_video INTEGER NOT NULL, ended_reason INTEGER NOT NULL);
        CREATE INDEX ix_calls_started ON calls(started_ms);
        PRAGMA user_version = 1;
        """;

    // Versions 2 to 4 as shipped (frozen, like SchemaV1).
    private const string SchemaV2ToV4 = """
        CREATE TABLE seen_controls (peer BLOB NOT NULL, id TEXT NOT NULL, PRIMARY KEY (peer, id)) WITHOUT ROWID;
        ALTER TABLE messages ADD COLUMN seal_version INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE groups (group_id BLOB PRIMARY KEY, revision INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE group_messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, group_id BLOB NOT NULL, direction INTEGER NOT NULL,
            timestamp_ms INTEGER NOT NULL, status INTEGER NOT NULL, body BLOB NOT NULL);
        CREATE INDEX ix_group_messages_group_time ON group_messages(group_id, timestamp_ms, seq);
        PRAGMA user_version = 4;
        """;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly EndpointId _bob = SecretKey.Generate().PublicKey;

    [Fact]
    public async Task OpenAsync_Version1FileWithData_MigratesAndKeepsEveryRow()
    {
        var path = _folder.File("v1.db");
        using var sealer = new AtRestSealer(_identity);
        var session = new byte[] { 1, 2, 3, 4 };
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, SchemaV1);
            var body = JsonSerializer.SerializeToUtf8Bytes(new { content = "hello from v1", reply_to = (string?)null, attachments = Array.Empty<object>() });
            Exec(raw, "INSERT INTO messages(id, peer, direction, timestamp_ms, status, body) VALUES('m1', $p, 1, $t, 1, $b);",
                ("$p", _bob.ToArray()), ("$t", T0.ToUnixTimeMilliseconds()), ("$b", sealer.Seal(body, Encoding.UTF8.GetBytes("messages:m1"))));
            Exec(raw, "INSERT INTO messages(id, peer, direction, timestamp_ms, status, deleted, body) VALUES('gone', zeroblob(32), 0, 0, 0, 1, NULL);");
            Exec(raw, "INSERT INTO outbox(id, peer, created_ms, attempts, next_attempt_ms, payload) VALUES('o1', $p, $t, 2, $t, $b);",
                ("$p", _bob.ToArray()), ("$t", T0.ToUnixTimeMilliseconds()), ("$b", sealer.Seal("envelope"u8, Encoding.UTF8.GetBytes("outbox:o1"))));
            Exec(raw, "INSERT INTO sessions(peer, state) VALUES($p, $s);",
                ("$p", _bob.ToArray()), ("$s", sealer.Seal(session, Encoding.ASCII.GetBytes("sessions:" + _bob))));
            Exec(raw, "INSERT INTO peers(peer, ticket) VALUES($p, 'ticket-of-bob');", ("$p", _bob.ToArray()));
            Exec(raw, "INSERT INTO calls(call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason) VALUES('c1-call-canary', $p, 0, $t, 61000, 1, 0);",
                ("$p", _bob.ToArray()), ("$t", T0.ToUnixTimeMilliseconds()));
        }

        await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
        Assert.True(store.SchemaVersion > 1);

        // Schema 5 rewrote every table: the file no longer holds Bob's id, the ticket or the times in the clear.
        var bytes = SqliteMessagingStoreTests.ReadAllFiles(path);
        foreach (var (name, canary) in new (string, byte[])[]
        {
            ("raw peer id", _bob.ToArray()), ("hex peer id", Encoding.ASCII.GetBytes(_bob.ToString())), ("ticket", "ticket-of-bob"u8.ToArray()),
            ("timestamp (as SQLite stores it: 6 bytes)", BigEndian(T0.ToUnixTimeMilliseconds())[2..]), ("call id", "c1-call-canary"u8.ToArray()),
        })
        {
            Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{name} still in the migrated file");
        }

        var message = Assert.Single(await store.GetMessagesAsync(_bob, 10, null));
        Assert.Equal(("m1", "hello from v1", MessageDirection.Incoming, T0, MessageStatus.Delivered),
            (message.Id, message.Content, message.Direction, message.Timestamp, message.Status));
        Assert.True(await store.ContainsMessageAsync("gone"));
        Assert.Null(await store.GetMessageAsync("gone"));
        var entry = Assert.Single(await store.GetOutboxAsync(_bob));
        Assert.Equal(("o1", 2, "envelope"), (entry.Id, entry.Attempts, Encoding.UTF8.GetString(entry.Payload)));
        Assert.Equal(session, await store.LoadSessionAsync(_bob));
        Assert.Equal("ticket-of-bob", await store.GetPeerAddressAsync(_bob));
        var call = Assert.Single(await store.GetRecordsAsync("call.record", _bob, 10, null));
        Assert.Equal(("c1-call-canary", _bob, T0), (call.Id, call.Peer, call.Time));
        Assert.Equal(CallBodyV6("Outgoing", 61000, true, "Completed"), Encoding.UTF8.GetString(call.Body));
        Assert.Equal([_bob], await store.GetOutboxPeersAsync());

        // The old row was re-sealed with the row-bound binding: editing its direction is now detected.
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, "UPDATE messages SET direction = 0 WHERE id = 'm1';");
        }

        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await store.GetMessageAsync("m1"));

        // New features work on the migrated file.
        await store.ApplyAsync([new RememberControl(_bob, "k1")]);
        Assert.True(await store.HasSeenControlAsync(_bob, "k1"));
    }

    [Fact]
    public async Task OpenAsync_Version4FileWithData_MigratesToSealedMetadataLosingNothing()
    {
        var path = _folder.File("v4.db");
        using var sealer = new AtRestSealer(_identity);
        var carol = SecretKey.Generate().PublicKey;
        var group = new Messaging.Groups.GroupId(Enumerable.Repeat((byte)7, 32).ToArray());
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, SchemaV1);
            Exec(raw, SchemaV2ToV4);
            // Two conversations; Bob's messages arrive out of time order (m2 is older than m1).
            foreach (var (id, peer, seconds, direction, status) in new[] { ("m1", _bob, 30, 1, 1), ("m2", _bob, 10, 0, 1), ("m3", carol, 20, 1, 2) })
            {
                var time = T0.AddSeconds(seconds).ToUnixTimeMilliseconds();
                var body = JsonSerializer.SerializeToUtf8Bytes(new { content = "text of " + id, reply_to = (string?)null, attachments = Array.Empty<object>() });
                var binding = Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"messages/2:{id}\0{peer}\0{direction}\0{time}"));
                Exec(raw, "INSERT INTO messages(id, peer, direction, timestamp_ms, status, body, seal_version) VALUES($id, $p, $d, $t, $s, $b, 2);",
                    ("$id", id), ("$p", peer.ToArray()), ("$d", direction), ("$t", time), ("$s", status), ("$b", sealer.Seal(body, binding)));
            }

            Exec(raw, "INSERT INTO seen_controls(peer, id) VALUES($p, 'offer-1');", ("$p", carol.ToArray()));
            Exec(raw, "INSERT INTO groups(group_id, revision, data) VALUES($g, 3, $d);",
                ("$g", group.ToArray()), ("$d", sealer.Seal("group state"u8, Encoding.ASCII.GetBytes("groups:" + group))));
            foreach (var (id, seconds) in new[] { ("g1", 50), ("g2", 40) })
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(new { sender = carol.ToString(), content = "group " + id, reply_to = (string?)null, attachments = Array.Empty<object>(), receipts = new Dictionary<string, int>() });
                Exec(raw, "INSERT INTO group_messages(id, group_id, direction, timestamp_ms, status, body) VALUES($id, $g, 1, $t, 1, $b);",
                    ("$id", id), ("$g", group.ToArray()), ("$t", T0.AddSeconds(seconds).ToUnixTimeMilliseconds()),
                    ("$b", sealer.Seal(body, Encoding.UTF8.GetBytes("group_messages:" + id))));
            }
        }

        await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
        Assert.Equal(Internal.Migrations.CurrentVersion, store.SchemaVersion);
        Assert.Equal(["m2", "m1"], (await store.GetMessagesAsync(_bob, 10, null)).Select(m => m.Id));
        Assert.Equal(["m2"], (await store.GetMessagesAsync(_bob, 10, "m1")).Select(m => m.Id));
        Assert.Equal(T0.AddSeconds(10), (await store.GetMessageAsync("m2"))!.Timestamp);
        Assert.Equal(["m1"], await store.GetUnreadMessageIdsAsync(_bob));
        var conversations = await store.GetConversationsAsync();
        Assert.Equal([(_bob, "m1", 1), (carol, "m3", 0)], conversations.Select(c => (c.Peer, c.LastMessage.Id, c.UnreadCount)));
        Assert.Equal(carol, (await store.GetMessageInfoAsync("m3"))!.Peer);
        Assert.True(await store.HasSeenControlAsync(carol, "offer-1"));
        Assert.False(await store.HasSeenControlAsync(_bob, "offer-1"));
        Assert.Equal(["g2", "g1"], (await store.GetGroupMessagesAsync(group, 10, null)).Select(m => m.Id));
        Assert.Equal((T0.AddSeconds(50), "group g1", carol), (await store.GetGroupMessageAsync("g1")) is { } g1 ? (g1.Timestamp, g1.Content, g1.Sender) : default);
        Assert.Equal("group state"u8.ToArray(), Assert.Single(await store.GetGroupsAsync()).Data);

        var bytes = SqliteMessagingStoreTests.ReadAllFiles(path);
        foreach (var (name, canary) in new (string, byte[])[]
        {
            ("bob's id", _bob.ToArray()), ("carol's id", carol.ToArray()), ("a message time", BigEndian(T0.AddSeconds(30).ToUnixTimeMilliseconds())[2..]),
            ("a group message time", BigEndian(T0.AddSeconds(50).ToUnixTimeMilliseconds())[2..]),
        })
        {
            Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{name} still in the migrated file");
        }
    }

    [Fact]
    public async Task OpenAsync_Version5FileWithCalls_MovesThemIntoRecordsLosingNothing()
    {
        // A schema-5 file as shipped (written by the schema-5 code path: migrate a version-1 file, then stop there),
        // holding two calls with two peers, one of them known only from its call (not in the peer directory yet).
        var path = _folder.File("v5.db");
        using var sealer = new AtRestSealer(_identity);
        var carol = SecretKey.Generate().PublicKey;
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, SchemaV1);
            Exec(raw, "INSERT INTO sessions(peer, state) VALUES($p, $s);", ("$p", _bob.ToArray()), ("$s", sealer.Seal([7], Encoding.ASCII.GetBytes("sessions:" + _bob))));
            Exec(raw, "INSERT INTO calls(call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason) VALUES('c-bob', $p, 0, $t, 61000, 1, 0);",
                ("$p", _bob.ToArray()), ("$t", T0.ToUnixTimeMilliseconds()));
            Exec(raw, "INSERT INTO calls(call_id, peer, direction, started_ms, duration_ms, had_video, ended_reason) VALUES('c-carol', $p, 1, $t, 0, 0, 2);",
                ("$p", carol.ToArray()), ("$t", T0.AddMinutes(5).ToUnixTimeMilliseconds()));
            Exec(raw, SchemaV2ToV4);
            using var directory = new Internal.PeerDirectory(sealer);
            Internal.MetadataSchema.RegisterFunctions(raw, sealer, directory);
            Exec(raw, Internal.MetadataSchema.Migration + "\nPRAGMA user_version = 5;");
        }

        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, "SELECT count(*) FROM calls;"); // the schema-5 table is there, with its sealed rows
        }

        await using var store = await SqliteMessagingStore.OpenAsync(path, sealer);
        Assert.Equal(Internal.Migrations.CurrentVersion, store.SchemaVersion);
        var calls = await store.GetRecordsAsync("call.record", null, 10, null);
        Assert.Equal([("c-carol", carol, T0.AddMinutes(5)), ("c-bob", _bob, T0)], calls.Select(c => (c.Id, c.Peer, c.Time)));
        Assert.Equal(CallBodyV6("Incoming", 0, false, "Missed"), Encoding.UTF8.GetString(calls[0].Body));
        Assert.Equal(CallBodyV6("Outgoing", 61000, true, "Completed"), Encoding.UTF8.GetString(calls[1].Body));
        Assert.Equal(["c-carol"], (await store.GetRecordsAsync("call.record", carol, 10, null)).Select(c => c.Id));
        Assert.Equal([7], await store.LoadSessionAsync(_bob));

        // The old table is gone and nothing of the calls is in the clear.
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'calls';";
            Assert.Equal(0L, (long)command.ExecuteScalar()!);
        }

        var bytes = SqliteMessagingStoreTests.ReadAllFiles(path);
        foreach (var (name, canary) in new (string, byte[])[] { ("call id", "c-carol"u8.ToArray()), ("carol's id", carol.ToArray()), ("end reason", "Missed"u8.ToArray()) })
        {
            Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{name} in the clear in the migrated file");
        }

        // A record of the migrated kind can be replaced as usual.
        await store.ApplyAsync([new SaveRecord(new StoredRecord("call.record", "c-bob", _bob, T0, "{}"u8.ToArray()))]);
        Assert.Equal(2, (await store.GetRecordsAsync("call.record", null, 10, null)).Count);
    }

    [Fact]
    public async Task OpenAsync_Version5FileOfAnotherIdentity_IsRefusedAndLeftAtVersion5()
    {
        var path = _folder.File("v5-foreign.db");
        using var owner = new AtRestSealer(_identity);
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, SchemaV1);
            Exec(raw, SchemaV2ToV4);
            using var directory = new Internal.PeerDirectory(owner);
            Internal.MetadataSchema.RegisterFunctions(raw, owner, directory);
            Exec(raw, Internal.MetadataSchema.Migration + "\nPRAGMA user_version = 5;");
        }

        using var stranger = SecretKey.Generate();
        using var strangerSealer = new AtRestSealer(stranger);
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await SqliteMessagingStore.OpenAsync(path, strangerSealer));
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA user_version;";
            Assert.Equal(5L, (long)command.ExecuteScalar()!);
        }
    }

    [Fact]
    public async Task OpenAsync_Version1FileOfAnotherIdentity_IsRefusedAndLeftAsItWas()
    {
        var path = _folder.File("foreign.db");
        using var owner = new AtRestSealer(_identity);
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Exec(raw, SchemaV1);
            Exec(raw, "INSERT INTO sessions(peer, state) VALUES($p, $s);",
                ("$p", _bob.ToArray()), ("$s", owner.Seal([9, 9], Encoding.ASCII.GetBytes("sessions:" + _bob))));
        }

        using var stranger = SecretKey.Generate();
        using var strangerSealer = new AtRestSealer(stranger);
        // Migrating under the wrong key would write tags nobody can find again: refused before any change.
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await SqliteMessagingStore.OpenAsync(path, strangerSealer));
        await using var store = await SqliteMessagingStore.OpenAsync(path, owner);
        Assert.Equal([9, 9], await store.LoadSessionAsync(_bob));
    }

    // The JSON body of a "call.record" record (Media's CallRecordBody), as schema 6 writes it for a migrated call.
    private static string CallBodyV6(string direction, long durationMs, bool video, string reason) =>
        $$"""{"direction":"{{direction}}","duration_ms":{{durationMs}},"had_video":{{(video ? "true" : "false")}},"ended_reason":"{{reason}}"}""";

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static void Exec(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _identity.Dispose();
        _folder.Dispose();
    }
}
