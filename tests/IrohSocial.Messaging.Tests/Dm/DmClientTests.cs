using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Dm;

/// <summary>Two clients on loopback sockets exchanging messages through the public API.</summary>
public sealed class DmClientTests
{
    [Fact]
    public async Task SendMessage_PeerOnline_ReceivedOnceDeliveredAndStored()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");

        var id = await alice.C.SendMessageAsync(bob.Address, "hello bob");

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 1, what: "bob receives");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Any(d => d.MessageId == id), what: "alice sees delivered");
        var received = bob.Events.Of<MessageReceivedEvent>().Single();
        Assert.Equal(alice.Id, received.Peer);
        Assert.Equal(id, received.Message.Id);
        Assert.Equal("hello bob", received.Message.Content);
        Assert.Equal(MessageDirection.Incoming, received.Message.Direction);
        Assert.Equal(MessageStatus.Delivered, (await alice.C.GetMessagesAsync(bob.Id)).Single().Status);
        Assert.Equal("hello bob", (await bob.C.GetMessagesAsync(alice.Id)).Single().Content);

        // Bob replies over the connection Alice opened (he was never told her address).
        var reply = await bob.C.SendMessageAsync(alice.Id, "hi alice", replyTo: id);
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Any(m => m.Message.Id == reply), what: "alice receives the reply");
        Assert.Equal(id, alice.Events.Of<MessageReceivedEvent>().Single().Message.ReplyTo);
    }

    [Fact]
    public async Task Conversations_HaveSymmetricIdsAndUnreadCounts()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        await using var carol = await TestNode.CreateAsync("carol");
        await alice.C.SendMessageAsync(bob.Address, "1");
        await alice.C.SendMessageAsync(bob.Address, "2");
        await carol.C.SendMessageAsync(bob.Address, "3");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 3, what: "bob receives 3");
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeliveredEvent>().Count == 2, what: "alice delivered");

        var bobs = await bob.C.GetConversationsAsync();
        Assert.Equal(2, bobs.Count);
        Assert.Equal(2, bobs.Single(c => c.Peer == alice.Id).UnreadCount);
        Assert.Equal(1, bobs.Single(c => c.Peer == carol.Id).UnreadCount);
        var alices = await alice.C.GetConversationsAsync();
        Assert.Equal(bobs.Single(c => c.Peer == alice.Id).ConversationId, alices.Single().ConversationId);
        Assert.Equal(0, alices.Single().UnreadCount);
        Assert.Equal(ConversationId.Compute(alice.Id, bob.Id), alices.Single().ConversationId);
    }

    [Fact]
    public async Task TypingReadAndDelete_ReachTheOtherSide()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var m1 = await alice.C.SendMessageAsync(bob.Address, "one");
        var m2 = await alice.C.SendMessageAsync(bob.Address, "two");
        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 2, what: "bob receives");

        await bob.C.SendTypingAsync(alice.Id);
        await alice.Events.WaitUntilAsync(e => e.Of<TypingEvent>().Count == 1, what: "typing");

        Assert.Equal(2, await bob.C.MarkReadAsync(alice.Id));
        Assert.Equal(0, (await bob.C.GetConversationsAsync()).Single().UnreadCount);
        await alice.Events.WaitUntilAsync(e => e.Of<MessageReadEvent>().SelectMany(r => r.MessageIds).Count() == 2, what: "read receipts");
        Assert.All(await alice.C.GetMessagesAsync(bob.Id), m => Assert.Equal(MessageStatus.Read, m.Status));
        Assert.Equal(0, await bob.C.MarkReadAsync(alice.Id));

        // Alice deletes her own message: gone on both sides.
        Assert.True(await alice.C.DeleteMessageAsync(m1));
        await bob.Events.WaitUntilAsync(e => e.Of<MessageDeletedEvent>().Any(d => d.MessageId == m1), what: "delete reaches bob");
        Assert.Equal([m2], (await bob.C.GetMessagesAsync(alice.Id)).Select(m => m.Id));
        Assert.Equal([m2], (await alice.C.GetMessagesAsync(bob.Id)).Select(m => m.Id));

        // Bob deletes a received message: gone on Alice's side too.
        Assert.True(await bob.C.DeleteMessageAsync(m2));
        await alice.Events.WaitUntilAsync(e => e.Of<MessageDeletedEvent>().Any(d => d.MessageId == m2), what: "delete reaches alice");
        Assert.Empty(await alice.C.GetMessagesAsync(bob.Id));
        Assert.False(await bob.C.DeleteMessageAsync("no-such-id"));
    }

    [Fact]
    public async Task GetMessages_PagesBackwards()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await alice.C.SendMessageAsync(bob.Address, $"m{i}"));
        }

        await bob.Events.WaitUntilAsync(e => e.Of<MessageReceivedEvent>().Count == 7, what: "bob receives 7");
        var page = await bob.C.GetMessagesAsync(alice.Id, 3);
        var seen = new List<string>();
        while (page.Count > 0)
        {
            seen.InsertRange(0, page.Select(m => m.Id));
            page = await bob.C.GetMessagesAsync(alice.Id, 3, page[0].Id);
        }

        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task Records_SavedReplacedAndPagedNewestFirst()
    {
        await using var alice = await TestNode.CreateAsync("alice", sqlite: true);
        var kind = TestRecords.NewNoteKind();
        alice.C.RegisterRecordKind(kind);
        alice.C.RegisterRecordKind(kind); // the same instance again is fine
        var t0 = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var (bob, carol) = (SomePeer(), SomePeer());
        await alice.C.SaveRecordAsync(kind, new Records.ExtensionRecord<NoteBody>("n1", bob, t0, new NoteBody("first", 1)));
        await alice.C.SaveRecordAsync(kind, new Records.ExtensionRecord<NoteBody>("n2", carol, t0.AddHours(1), new NoteBody("second", 2)));
        await alice.C.SaveRecordAsync(kind, new Records.ExtensionRecord<NoteBody>("n2", carol, t0.AddHours(1), new NoteBody("replaced", 3)));
        var all = await alice.C.GetRecordsAsync(kind);
        Assert.Equal(["n2", "n1"], all.Select(r => r.Id));
        Assert.Equal(new NoteBody("replaced", 3), all[0].Body);
        Assert.Equal(["n1"], (await alice.C.GetRecordsAsync(kind, before: t0.AddMinutes(30))).Select(r => r.Id));
        Assert.Equal(["n1"], (await alice.C.GetRecordsAsync(kind, bob)).Select(r => r.Id));

        static Crypto.EndpointId SomePeer() { using var key = Crypto.SecretKey.Generate(); return key.PublicKey; }
    }

    [Fact]
    public async Task Records_KindOfAnotherInstance_Refused()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        var owner = TestRecords.NewNoteKind();
        var impostor = TestRecords.NewNoteKind(); // same name, another instance
        var record = new Records.ExtensionRecord<NoteBody>("n1", alice.Id, DateTimeOffset.UtcNow, new NoteBody("fake", 0));
        await Assert.ThrowsAsync<InvalidOperationException>(() => alice.C.SaveRecordAsync(owner, record)); // not registered yet
        alice.C.RegisterRecordKind(owner);
        Assert.Throws<InvalidOperationException>(() => alice.C.RegisterRecordKind(impostor));
        await Assert.ThrowsAsync<InvalidOperationException>(() => alice.C.SaveRecordAsync(impostor, record));
        await Assert.ThrowsAsync<InvalidOperationException>(() => alice.C.GetRecordsAsync(impostor));
        Assert.Empty(await alice.C.GetRecordsAsync(owner));
    }

    [Fact]
    public async Task Records_StoredBodyThatNoLongerDecodes_LeftOut()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        var kind = TestRecords.NewNoteKind();
        alice.C.RegisterRecordKind(kind);
        var now = DateTimeOffset.UtcNow;
        await alice.Store.ApplyAsync(
        [
            new SaveRecord(new StoredRecord(kind.Name, "bad", alice.Id, now, "{\"score\":\"not a number\"}"u8.ToArray())),
            new SaveRecord(new StoredRecord(kind.Name, "good", alice.Id, now.AddSeconds(-1), "{\"text\":\"ok\",\"score\":1}"u8.ToArray())),
        ]);
        Assert.Equal(["good"], (await alice.C.GetRecordsAsync(kind)).Select(r => r.Id));
    }

    [Fact]
    public async Task SendMessage_UnknownPeerOrTooLong_TypedErrors()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob", start: false);
        var unknown = await Assert.ThrowsAsync<MessagingException>(() => alice.C.SendMessageAsync(bob.Id, "x"));
        Assert.Equal(MessagingError.UnknownPeer, unknown.Error);
        var tooLong = await Assert.ThrowsAsync<MessagingException>(() => alice.C.SendMessageAsync(bob.Address, new string('x', 64 * 1024 + 1)));
        Assert.Equal(MessagingError.TooLarge, tooLong.Error);
    }

    [Fact]
    public async Task Events_StreamYieldsTheSameEventsAsDotNetEvents()
    {
        await using var alice = await TestNode.CreateAsync("alice");
        await using var bob = await TestNode.CreateAsync("bob");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var collected = new List<DmEvent>();
        var stream = bob.C.Events(cts.Token);
        var reader = Task.Run(async () =>
        {
            await foreach (var e in stream)
            {
                collected.Add(e);
                if (collected.OfType<MessageReceivedEvent>().Count() == 2)
                {
                    return;
                }
            }
        });
        await alice.C.SendMessageAsync(bob.Address, "a");
        await alice.C.SendMessageAsync(bob.Address, "b");
        await reader;
        Assert.Equal(["a", "b"], collected.OfType<MessageReceivedEvent>().Select(e => e.Message.Content));
    }
}
