using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Tests;

/// <summary>
/// Schema 7: the conversation list comes from the sealed summary rows alone, the rows are bound to their
/// conversation, and a schema-6 file gets them from its messages in one migration transaction (or not at all).
/// </summary>
public sealed class SqliteConversationSummaryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;
    private readonly EndpointId _alice = SecretKey.Generate().PublicKey;
    private readonly EndpointId _bob = SecretKey.Generate().PublicKey;
    private readonly EndpointId _carol = SecretKey.Generate().PublicKey;

    public SqliteConversationSummaryTests() => _sealer = new AtRestSealer(_identity);

    [Fact]
    public async Task GetConversations_ReadsOnlySummaryRows_NotTheMessages()
    {
        var path = _folder.File("list.db");
        await WriteHistoryAsync(path);
        IReadOnlyList<string> before;
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            before = Render(await store.GetConversationsAsync());
        }

        // With every message's sealed time and body destroyed, only the summaries can still answer.
        Exec(path, "UPDATE messages SET sent = x'00', body = x'00';");
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            Assert.Equal(before, Render(await store.GetConversationsAsync()));
        }
    }

    [Fact]
    public async Task SummaryRow_MovedToAnotherConversation_FailsToOpen()
    {
        var path = _folder.File("moved.db");
        await WriteHistoryAsync(path);
        Exec(path, "UPDATE conversations SET summary = (SELECT summary FROM conversations ORDER BY peer_tag LIMIT 1) " +
            "WHERE peer_tag = (SELECT peer_tag FROM conversations ORDER BY peer_tag DESC LIMIT 1);");
        await using var store = await SqliteMessagingStore.OpenAsync(path, _sealer);
        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await store.GetConversationsAsync());
    }

    [Fact]
    public async Task OpenAsync_Version6FileWithData_BuildsOneSummaryPerConversation()
    {
        var path = _folder.File("v6.db");
        var expected = await WriteHistoryAsync(path);
        DowngradeToVersion6(path);

        await using var store = await SqliteMessagingStore.OpenAsync(path, _sealer);
        Assert.Equal(Internal.Migrations.CurrentVersion, store.SchemaVersion);
        Assert.Equal(expected, Render(await store.GetConversationsAsync()));
        Assert.Equal(2L, Scalar(path, "SELECT count(*) FROM conversations;")); // Carol's only message was deleted
        // Every message (and the tombstone of a stored one) got its position: pages and cursors work as before.
        Assert.Equal(["b1", "b2", "b3"], (await store.GetMessagesAsync(_bob, 10, null)).Select(m => m.Id));
        Assert.Equal(["b1"], (await store.GetMessagesAsync(_bob, 10, "b2")).Select(m => m.Id));
        Assert.Empty(await store.GetMessagesAsync(_carol, 10, "c1"));
        Assert.Equal(["a1", "a2"], await store.GetUnreadMessageIdsAsync(_alice));

        // The rows are kept by later writes as usual.
        await store.ApplyAsync([new SetMessageStatus(_bob, "b2", MessageStatus.Read), new RemoveMessage(_alice, "a2")]);
        var conversations = await store.GetConversationsAsync();
        Assert.Equal([(_bob, "b3", 0), (_alice, "a1", 1)], conversations.Select(c => (c.Peer, c.LastMessage.Id, c.UnreadCount)));
    }

    [Fact]
    public async Task OpenAsync_Version6FileWithAlteredTime_IsRefusedAndLeftAtVersion6()
    {
        var path = _folder.File("v6-altered.db");
        await WriteHistoryAsync(path);
        DowngradeToVersion6(path);
        Exec(path, "UPDATE messages SET sent = x'00' WHERE id = 'b1';");

        await Assert.ThrowsAsync<System.Security.Cryptography.CryptographicException>(async () => await SqliteMessagingStore.OpenAsync(path, _sealer));
        Assert.Equal(6L, Scalar(path, "PRAGMA user_version;"));
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'conversations';"));
    }

    [Fact]
    public async Task BigHistoryQueries_UseTheOrderIndex_NeverSortOrScanEveryMessage()
    {
        var path = _folder.File("plans.db");
        await WriteHistoryAsync(path);
        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        foreach (var sql in new[] { SqliteMessagingStore.PageSql, SqliteMessagingStore.NewestLiveSql, SqliteMessagingStore.IdsSql })
        {
            var plan = Plan(raw, sql);
            Assert.True(plan.Count == 1 && System.Text.RegularExpressions.Regex.IsMatch(plan[0], @"^SEARCH messages USING (COVERING )?INDEX ix_messages_order \(peer_tag=\? AND deleted=\?"),
                $"{sql}: {string.Join(" | ", plan)}");
        }

        // Unread ids (mark-read) visit only unread rows.
        Assert.Equal(["SEARCH messages USING INDEX ix_messages_unread (peer_tag=?)"], Plan(raw, SqliteMessagingStore.UnreadIdsSql));

        // Mark-read of many messages looks each one up by id, never walks the conversation.
        Assert.Equal(
            ["SEARCH messages USING INDEX sqlite_autoindex_messages_1 (id=?)", "LIST SUBQUERY 1", "SCAN json_each VIRTUAL TABLE INDEX 1:"],
            Plan(raw, SqliteMessagingStore.MarkReadSql));

        // The conversation list reads the summaries and nothing else.
        Assert.Equal(["SCAN conversations"], Plan(raw, SqliteMessagingStore.ConversationListSql));
    }

    private static List<string> Plan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$p", "$o", "$n", "$ids" }.Where(n => sql.Contains(n, StringComparison.Ordinal)))
        {
            command.Parameters.AddWithValue(name, 0);
        }

        var details = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return details;
    }

    /// <summary>Bob: b1 read, b2 unread, b3 outgoing (newest); Alice: a1, a2 unread; Carol: one message, deleted. Returns the list.</summary>
    private async Task<IReadOnlyList<string>> WriteHistoryAsync(string path)
    {
        await using var store = await SqliteMessagingStore.OpenAsync(path, _sealer);
        await store.ApplyAsync(
        [
            new InsertMessage(new StoredMessage("b1", _bob, MessageDirection.Incoming, "hi", T0, null, [], MessageStatus.Read)),
            new InsertMessage(new StoredMessage("a1", _alice, MessageDirection.Incoming, "from alice", T0.AddSeconds(1), null, [], MessageStatus.Delivered)),
            new InsertMessage(new StoredMessage("b2", _bob, MessageDirection.Incoming, "are you there", T0.AddSeconds(2), "b1", [], MessageStatus.Delivered)),
            new InsertMessage(new StoredMessage("a2", _alice, MessageDirection.Incoming, "again", T0.AddSeconds(3), null, [], MessageStatus.Delivered)),
            new InsertMessage(new StoredMessage("c1", _carol, MessageDirection.Incoming, "gone soon", T0.AddSeconds(9), null, [], MessageStatus.Delivered)),
        ]);
        await store.ApplyAsync(
        [
            new InsertMessage(new StoredMessage("b3", _bob, MessageDirection.Outgoing, "yes", T0.AddSeconds(4), null,
                [new MediaAttachment("f1", "a.png", "image/png", 3, new string('b', 64))], MessageStatus.Pending)),
            new RemoveMessage(_carol, "c1"),
        ]);
        var list = Render(await store.GetConversationsAsync());
        Assert.Equal(
            [$"{_bob}/1/b3/Outgoing/yes/{T0.AddSeconds(4):O}//Pending/1", $"{_alice}/2/a2/Incoming/again/{T0.AddSeconds(3):O}//Delivered/0"],
            list);
        return list;
    }

    private static IReadOnlyList<string> Render(IReadOnlyList<ConversationSummary> conversations) =>
        [.. conversations.Select(c => $"{c.Peer}/{c.UnreadCount}/{c.LastMessage.Id}/{c.LastMessage.Direction}/{c.LastMessage.Content}/" +
            $"{c.LastMessage.Timestamp:O}/{c.LastMessage.ReplyTo}/{c.LastMessage.Status}/{c.LastMessage.Attachments.Count}")];

    /// <summary>Schema 6 is schema 7 without the summary table and the positions: what a file written by the previous version holds.</summary>
    private static void DowngradeToVersion6(string path) =>
        Exec(path, "DROP TABLE conversations; DROP INDEX ix_messages_order; DROP INDEX ix_messages_unread; ALTER TABLE messages DROP COLUMN ord; " +
            "CREATE INDEX ix_messages_peer ON messages(peer_tag, deleted, seq); PRAGMA user_version = 6;");

    private static void Exec(string path, string sql)
    {
        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(string path, string sql)
    {
        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
