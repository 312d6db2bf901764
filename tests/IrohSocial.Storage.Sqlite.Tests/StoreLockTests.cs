using IrohSocial.Crypto;

namespace IrohSocial.Storage.Sqlite.Tests;

/// <summary>Issue 19: one store per database file; a second opener gets an error naming the holder.</summary>
public sealed class StoreLockTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SecretKey _identity = SecretKey.Generate();
    private readonly AtRestSealer _sealer;

    public StoreLockTests() => _sealer = new AtRestSealer(_identity);

    [Fact]
    public async Task OpenAsync_FileHeldByAnotherStore_ThrowsNamingTheHolder_UntilItCloses()
    {
        var path = _folder.File("held.db");
        var first = await SqliteMessagingStore.OpenAsync(path, _sealer);

        var error = await Assert.ThrowsAsync<StoreInUseException>(() => SqliteMessagingStore.OpenAsync(path, _sealer));
        Assert.Equal(Path.GetFullPath(path), error.DatabasePath);
        Assert.Contains($"process {Environment.ProcessId} ", error.Holder);
        Assert.Contains($"on host {Environment.MachineName}", error.Holder);
        Assert.Contains(error.Holder!, error.Message);
        await first.GetConversationsAsync(); // the holder is unaffected

        await first.DisposeAsync();
        await using var second = await SqliteMessagingStore.OpenAsync(path, _sealer);
        Assert.Empty(await second.GetConversationsAsync());
    }

    [Fact]
    public async Task OpenAsync_SameFileThroughAnotherPathSpelling_IsStillRefused()
    {
        var path = _folder.File("spelled.db");
        await using var first = await SqliteMessagingStore.OpenAsync(path, _sealer);

        var other = Path.Combine(_folder.Path, ".", "spelled.db");
        await Assert.ThrowsAsync<StoreInUseException>(() => SqliteMessagingStore.OpenAsync(other, _sealer));
    }

    public void Dispose()
    {
        _sealer.Dispose();
        _identity.Dispose();
        _folder.Dispose();
    }
}
