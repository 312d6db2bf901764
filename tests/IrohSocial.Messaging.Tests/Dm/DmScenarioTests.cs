using System.Text;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>The end-to-end scenarios, on loopback sockets and SQLite files in temp folders.</summary>
public sealed class DmScenarioTests
{
    [Fact]
    public async Task ThousandMessages_InterleavedBothWays_ExactlyOnceInOrderWithReceipts()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        var fromAlice = new List<string>();
        var fromBob = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            fromAlice.Add(await alice.C.SendMessageAsync(bob.Address, $"a{i}"));
            fromBob.Add(await bob.C.SendMessageAsync(alice.Address, $"b{i}"));
        }

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count >= 500, 90, "bob receives 500");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count >= 500, 90, "alice receives 500");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Count >= 500, 90, "alice: 500 delivered");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Count >= 500, 90, "bob: 500 delivered");

        Assert.Equal(fromAlice, bob.Events.Of<MessageReceivedEvent>().Select(e => e.Message.Id));
        Assert.Equal(fromBob, alice.Events.Of<MessageReceivedEvent>().Select(e => e.Message.Id));
        Assert.Equal(fromAlice.ToHashSet(), alice.Events.Of<MessageDeliveredEvent>().Select(e => e.MessageId).ToHashSet());
        Assert.Equal(500, alice.Events.Of<MessageDeliveredEvent>().Count);
        Assert.Equal(500, (await bob.C.GetConversationsAsync()).Single().UnreadCount);
        Assert.Equal(500, (await alice.C.GetConversationsAsync()).Single().UnreadCount);
        var bobView = await bob.C.GetMessagesAsync(alice.Id, 2000);
        Assert.Equal(1000, bobView.Count);
        Assert.Equal(fromAlice, bobView.Where(m => m.Direction == MessageDirection.Incoming).Select(m => m.Id));

        Assert.Equal(500, await bob.C.MarkReadAsync(alice.Id));
        Assert.Equal(500, await alice.C.MarkReadAsync(bob.Id));
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReadEvent>().Sum(r => r.MessageIds.Count) == 500, 60, "alice sees 500 read");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReadEvent>().Sum(r => r.MessageIds.Count) == 500, 60, "bob sees 500 read");
        Assert.Equal(0, (await bob.C.GetConversationsAsync()).Single().UnreadCount);
        Assert.All(await alice.C.GetMessagesAsync(bob.Id, 2000), m => Assert.Equal(MessageStatus.Read, m.Status));
        Assert.Empty(alice.Events.Of<SessionResetEvent>());
    }

    [Fact]
    public async Task Offline_SenderRestartsThenPeerComesUp_AllFiftyArriveOnceInOrder()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true, start: false);
        var sent = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            sent.Add(await alice.C.SendMessageAsync(bob.Address, $"offline {i}"));
        }

        var flush = await alice.C.FlushOutboxAsync();
        Assert.Equal(new OutboxFlushResult(0, 50), flush);
        Assert.Equal(50, (await alice.Store.GetOutboxAsync(bob.Id)).Count);

        await alice.RestartAsync();
        await bob.StartAsync();

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count >= 50, 60, "bob receives the backlog");
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).Count == 0, "alice's outbox drains");
        Assert.Equal(sent, bob.Events.Of<MessageReceivedEvent>().Select(e => e.Message.Id));
        Assert.Equal(sent, (await bob.C.GetMessagesAsync(alice.Id, 100)).Select(m => m.Id));
        Assert.All(await alice.C.GetMessagesAsync(bob.Id, 100), m => Assert.Equal(MessageStatus.Delivered, m.Status));
    }

    [Fact]
    public async Task FlushOutbox_PeerBack_ReportsSent()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        alice.C.AddPeer(bob.Address);
        // A very slow retry so only the flush can deliver.
        await alice.StopAsync();
        await alice.StartAsync(configure: o => o with { RetryPolicy = new OutboxRetryPolicy { BaseDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(1) } });
        for (var i = 0; i < 3; i++)
        {
            await alice.C.SendMessageAsync(bob.Address, $"m{i}");
        }

        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).FirstOrDefault()?.Attempts >= 1, "first attempt fails");
        await bob.StartAsync();
        var result = await alice.C.FlushOutboxAsync();
        Assert.Equal(new OutboxFlushResult(3, 0), result);
        Assert.Equal(new OutboxFlushResult(0, 0), await alice.C.FlushOutboxAsync());
        Assert.Equal(3, (await bob.C.GetMessagesAsync(alice.Id)).Count);
    }

    [Fact]
    public async Task InboundConnection_CountsAsPeerSeen_FlushesWithoutWaitingForBackoff()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        await alice.StopAsync();
        await alice.StartAsync(configure: o => o with { RetryPolicy = new OutboxRetryPolicy { BaseDelay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(1) } });
        var id = await alice.C.SendMessageAsync(bob.Address, "waiting for you");
        await Eventually.WaitAsync(async () => (await alice.Store.GetOutboxAsync(bob.Id)).FirstOrDefault()?.Attempts >= 1, "first attempt fails");

        await bob.StartAsync();
        // Bob talks first; his connection makes Alice retry at once instead of in an hour.
        await bob.C.SendMessageAsync(alice.Address, "I'm back");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == id), what: "backlog flushed on contact");
    }

    [Fact]
    public async Task SimultaneousFirstContact_Converges()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        var a = alice.C.SendMessageAsync(bob.Address, "hi from alice");
        var b = bob.C.SendMessageAsync(alice.Address, "hi from bob");
        await Task.WhenAll(a, b);
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1 && e.Of<MessageDeliveredEvent>().Count == 1, what: "alice both ways");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1 && e.Of<MessageDeliveredEvent>().Count == 1, what: "bob both ways");

        // The converged session keeps working in both directions.
        for (var i = 0; i < 5; i++)
        {
            await alice.C.SendMessageAsync(bob.Address, $"a{i}");
            await bob.C.SendMessageAsync(alice.Address, $"b{i}");
        }

        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 6, what: "alice gets 6");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 6, what: "bob gets 6");
    }

    [Fact]
    public async Task PeerLosesState_SessionReestablishedWithResetEvent()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true);
        await alice.C.SendMessageAsync(bob.Address, "before");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "first message");
        await bob.C.SendMessageAsync(alice.Id, "reply before");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "first reply");

        await bob.ReinstallAsync();

        var after = await alice.C.SendMessageAsync(bob.Address, "after reinstall");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == after), what: "message after reinstall");
        await alice.Events.WaitUntilAsync(e => e.Of<SessionResetEvent>().Any(r => r.Peer == bob.Id), what: "alice told of the reset");
        bob.C.AddPeer(alice.Address);
        var back = await bob.C.SendMessageAsync(alice.Id, "new session works back");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == back), what: "reply on the new session");
    }

    [Fact]
    public async Task PeerLosesState_AndSpeaksFirst_OtherSideGetsResetEvent()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        await alice.C.SendMessageAsync(bob.Address, "before");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "first message");
        await bob.C.SendMessageAsync(alice.Address, "reply");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "reply");

        await bob.ReinstallAsync();
        var hello = await bob.C.SendMessageAsync(alice.Address, "I reinstalled");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == hello), what: "message from reinstalled bob");
        await alice.Events.WaitUntilAsync(e => e.Of<SessionResetEvent>().Count >= 1, what: "reset event");
        var answer = await alice.C.SendMessageAsync(bob.Address, "welcome back");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == answer), what: "answer on the new session");
    }

    [Fact]
    public async Task AfterRun_DatabaseFilesHoldNoTextsOrKeys()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        await using var bob = await TestNode.CreateAsync("bob", sqlite: true, start: false);
        var texts = Enumerable.Range(0, 20).Select(i => $"confidential-phrase-{i}-zebra").ToList();
        // Some stay in Alice's outbox (Bob down), the rest are delivered and stored by both.
        foreach (var t in texts.Take(5))
        {
            await alice.C.SendMessageAsync(bob.Address, t);
        }

        await bob.StartAsync();
        foreach (var t in texts.Skip(5))
        {
            await alice.C.SendMessageAsync(bob.Address, t);
        }

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 20, 60, "all delivered");
        await bob.C.SendMessageAsync(alice.Id, "bob-secret-answer-walrus");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "answer");
        await alice.StopAsync();
        await bob.C.SendMessageAsync(alice.Address, "queued-while-alice-listens-narwhal"); // stays in Bob's outbox
        await bob.StopAsync();

        var aliceSeed = new byte[32];
        alice.Key.Export(aliceSeed);
        var bobSeed = new byte[32];
        bob.Key.Export(bobSeed);
        foreach (var node in new[] { alice, bob })
        {
            var bytes = ReadAllFiles(node.DatabasePath);
            Assert.True(bytes.Length > 10_000);
            foreach (var text in texts.Append("bob-secret-answer-walrus").Append("queued-while-alice-listens-narwhal"))
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) < 0, $"'{text}' found in {node.Name}'s database");
            }

            Assert.True(bytes.AsSpan().IndexOf(aliceSeed) < 0);
            Assert.True(bytes.AsSpan().IndexOf(bobSeed) < 0);
            // Positive control: ids are stored in the clear, so the scan can see what is there.
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(alice.Events.Of<MessageReceivedEvent>()[0].Message.Id)) >= 0);
        }
    }

    internal static byte[] ReadAllFiles(string dbPath)
    {
        using var buffer = new MemoryStream();
        foreach (var file in new[] { dbPath, dbPath + "-wal", dbPath + "-shm" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.CopyTo(buffer);
        }

        return buffer.ToArray();
    }
}
