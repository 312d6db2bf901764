using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>
/// <see cref="DmClient.SendMessagesAsync"/>: many messages to one peer in one store transaction (one fsync on SQLite),
/// all or none, delivered in order, each once.
/// </summary>
public sealed class SendManyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendMessages_Connected_OneCommitInOrderEachDeliveredOnce(bool sqlite)
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite);
        await using var bob = await TestNode.CreateAsync("bob", sqlite);
        var warmUp = await alice.C.SendMessageAsync(bob.Address, "warm-up");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == warmUp), what: "warm-up delivered");
        var before = alice.Crashing!.Batches.Count;

        var ids = await alice.C.SendMessagesAsync(bob.Address, ["first line", "second line", "third line"]);

        Assert.Equal(3, ids.Distinct().Count());
        var queued = Assert.Single(alice.Crashing.Batches.Skip(before), b => b.Any(o => o is InsertMessage));
        Assert.Equal(ids, queued.OfType<InsertMessage>().Select(i => i.Message.Id));
        Assert.Equal(ids, queued.OfType<EnqueueOutbox>().Select(e => e.Entry.Id));
        await alice.Events.WaitUntilAsync(e => ids.All(id => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == id)), what: "all delivered");
        var received = (await bob.C.GetMessagesAsync(alice.Id, 100)).Where(m => ids.Contains(m.Id)).ToList();
        Assert.Equal(["first line", "second line", "third line"], received.Select(m => m.Content));
        Assert.Equal(3, bob.Events.Of<MessageReceivedEvent>().Count(r => ids.Contains(r.Message.Id)));
    }

    [Fact]
    public async Task SendMessages_PeerAway_AllQueuedInOrderAndDeliveredWhenBack()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);

        var ids = await alice.C.SendMessagesAsync(bob.Address, ["one", "two"]);

        Assert.Equal(ids, (await alice.Store.GetOutboxAsync(bob.Id)).Select(e => e.Id));
        await bob.StartAsync();
        alice.C.AddPeer(bob.Address);
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Count == 0, "delivered once bob is back");
        Assert.Equal(["one", "two"], (await bob.C.GetMessagesAsync(alice.Id, 100)).Select(m => m.Content));
    }

    [Fact]
    public async Task SendMessages_OneTooLong_NoneQueued()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);

        var error = await Assert.ThrowsAsync<MessagingException>(() => alice.C.SendMessagesAsync(bob.Address, ["fine", new string('x', 64 * 1024 + 1)]));

        Assert.Equal(MessagingError.TooLarge, error.Error);
        Assert.Empty(await alice.Store.GetOutboxAsync(bob.Id));
        Assert.Empty(await alice.C.GetMessagesAsync(bob.Id));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendMessages_CrashInTheCommit_NoneQueuedAndNoneLeaves(bool sqlite)
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite);
        await using var bob = await TestNode.CreateAsync("bob", sqlite);

        alice.Crashing!.CrashAt(ops => ops.OfType<InsertMessage>().Count() == 2, afterApplying: false);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => alice.C.SendMessagesAsync(bob.Address, ["lost one", "lost two"]));

        await alice.RestartAsync();
        Assert.Empty(await alice.Store.GetOutboxAsync(bob.Id));
        var next = await alice.C.SendMessageAsync(bob.Address, "after the restart");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == next), what: "later message delivered");
        Assert.DoesNotContain(await bob.Store.GetMessagesAsync(alice.Id, 100, null), m => m.Content.StartsWith("lost", StringComparison.Ordinal));
    }
}
