using System.Text;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Search;

/// <summary>Search on real clients with SQLite files: what the disk holds, and deletes on both sides.</summary>
public sealed class SearchScenarioTests
{
    [Fact]
    public async Task Search_CanaryWord_FoundButNeverOnDisk()
    {
        const string Canary = "Quetzalcoatlcanary";
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        for (var i = 0; i < 20; i++)
        {
            await alice.C.SendMessageAsync(bob.Address, i == 7 ? $"meet me at the {Canary} café" : $"filler message {i}");
        }

        await Eventually.WaitAsync(async () => (await bob.Store.GetMessagesAsync(alice.Id, 100, null)).Count == 20, "all delivered", 20);
        Assert.Single(await bob.C.SearchMessagesAsync("quetzal cafe"));
        Assert.Single(await alice.C.SearchMessagesAsync("QUETZALCOATLCANARY", bob.Id));
        // A message arriving after the index was built is searchable too, and written nowhere in the clear.
        await alice.C.SendMessageAsync(bob.Address, $"again {Canary}");
        await Eventually.WaitAsync(async () => (await bob.C.SearchMessagesAsync(Canary)).Count == 2, "late message indexed", 20);

        await alice.StopAsync();
        await bob.StopAsync();
        foreach (var node in new[] { alice, bob })
        {
            var folder = Path.GetDirectoryName(node.DatabasePath)!;
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToList();
            Assert.NotEmpty(files);
            // The store's lock file stays locked while the store is open; it holds no data (see StoreLock).
            foreach (var file in files.Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
            {
                var bytes = await File.ReadAllBytesAsync(file);
                foreach (var form in new[] { Canary, Canary.ToLowerInvariant(), "quetzal" })
                {
                    foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
                    {
                        Assert.True(bytes.AsSpan().IndexOf(encoding.GetBytes(form)) < 0, $"'{form}' ({encoding.WebName}) found in {Path.GetFileName(file)}");
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Search_DeletedMessage_DisappearsOnBothSides()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        var keep = await alice.C.SendMessageAsync(bob.Address, "the blue heron flies");
        var doomed = await alice.C.SendMessageAsync(bob.Address, "the blue whale swims");
        await Eventually.WaitAsync(async () => (await bob.C.SearchMessagesAsync("blue")).Count == 2, "both indexed at bob", 20);
        // Sent within the same millisecond they tie on timestamp; compare as sets.
        Assert.Equal(new[] { doomed, keep }.Order(), (await alice.C.SearchMessagesAsync("blue")).Select(m => m.Id).Order());

        Assert.True(await alice.C.DeleteMessageAsync(doomed));

        Assert.Equal([keep], (await alice.C.SearchMessagesAsync("blue")).Select(m => m.Id));
        Assert.Empty(await alice.C.SearchMessagesAsync("whale"));
        await Eventually.WaitAsync(async () => (await bob.C.SearchMessagesAsync("whale")).Count == 0, "delete reached bob's index", 20);
        Assert.Equal([keep], (await bob.C.SearchMessagesAsync("blu")).Select(m => m.Id));

        // After a restart the index is rebuilt from the store: the delete still holds.
        await bob.RestartAsync();
        Assert.Empty(await bob.C.SearchMessagesAsync("whale"));
        Assert.Equal([keep], (await bob.C.SearchMessagesAsync("heron")).Select(m => m.Id));
    }
}
