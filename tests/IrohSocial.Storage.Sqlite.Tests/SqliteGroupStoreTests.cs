using System.Text;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Storage;
using IrohSocial.Storage.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace IrohSocial.Storage.Sqlite.Tests;

public sealed class SqliteGroupStoreTests : GroupStoreContractTests, IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;

    public SqliteGroupStoreTests() => _sealer = new AtRestSealer(_identity);

    protected override async Task<IMessagingStore> CreateAsync(string name) => await SqliteMessagingStore.OpenAsync(_folder.File(name + ".db"), _sealer);

    protected override async Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name)
    {
        await store.DisposeAsync();
        return await CreateAsync(name);
    }

    [Fact]
    public async Task File_HoldsNoGroupNameMembersOrText()
    {
        var path = _folder.File("groups-scan.db");
        const string groupData = "group named Eagle Lodge";
        await using (var store = await SqliteMessagingStore.OpenAsync(path, _sealer))
        {
            await store.ApplyAsync(
            [
                new SaveGroup(new GroupRecord(Team, 1, Encoding.UTF8.GetBytes(groupData + Bob))),
                new InsertGroupMessage(Outgoing("o1", 1, "midnight at the pier")),
                new InsertGroupMessage(Incoming("i1", 2, text: "bring the map")),
                new SetGroupReceipt("o1", Bob, MessageStatus.Delivered),
            ]);
        }

        var bytes = SqliteMessagingStoreTests.ReadAllFiles(path);
        Assert.False(SqliteMessagingStoreTests.Contains(bytes, Encoding.UTF8.GetBytes("Eagle Lodge")));
        Assert.False(SqliteMessagingStoreTests.Contains(bytes, Encoding.UTF8.GetBytes("midnight at the pier")));
        Assert.False(SqliteMessagingStoreTests.Contains(bytes, Encoding.UTF8.GetBytes("bring the map")));
        foreach (var member in new[] { Bob, Carol, Me })
        {
            Assert.False(SqliteMessagingStoreTests.Contains(bytes, member.ToArray()));
            Assert.False(SqliteMessagingStoreTests.Contains(bytes, Encoding.ASCII.GetBytes(member.ToString())));
        }

        // Positive control: the clear columns (ids) are found.
        Assert.True(SqliteMessagingStoreTests.Contains(bytes, Encoding.UTF8.GetBytes("o1")));
    }

    [Fact]
    public async Task OpenAsync_VersionOneFile_MigratesAndKeepsDirectMessages()
    {
        var path = _folder.File("v1.db");
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            using var command = raw.CreateCommand();
            command.CommandText = Migrations.Scripts[0] + "\nINSERT INTO peers(peer, ticket) VALUES(zeroblob(32), 't');\nPRAGMA user_version = 1;";
            await command.ExecuteNonQueryAsync();
        }

        await using var store = await SqliteMessagingStore.OpenAsync(path, _sealer);
        Assert.Equal(Migrations.CurrentVersion, store.SchemaVersion);
        Assert.Equal("t", await store.GetPeerAddressAsync(new EndpointId(new byte[32])));
        await store.ApplyAsync([new InsertGroupMessage(Incoming("i1", 1))]);
        Assert.NotNull(await store.GetGroupMessageAsync("i1"));
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
