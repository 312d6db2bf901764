using System.Text;
using CsCheck;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Storage;

/// <summary>Behaviour every <see cref="IMessagingStore"/> must have; run against each implementation.</summary>
public abstract class MessagingStoreContractTests
{
    protected static readonly EndpointId Alice = SecretKey.Generate().PublicKey;
    protected static readonly EndpointId Bob = SecretKey.Generate().PublicKey;
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Creates a store; <paramref name="name"/> identifies it so <see cref="ReopenAsync"/> can reopen the same data.</summary>
    protected abstract Task<IMessagingStore> CreateAsync(string name);

    /// <summary>Disposes <paramref name="store"/> and opens the same data again.</summary>
    protected abstract Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name);

    protected static StoredMessage Message(string id, EndpointId peer, MessageDirection direction, int second, MessageStatus status = MessageStatus.Delivered, string? text = null) =>
        new(id, peer, direction, text ?? $"text of {id}", T0.AddSeconds(second), null, [], status);

    [Fact]
    public async Task RememberControl_ScopedByPeerAndSurvivesReopen()
    {
        var store = await CreateAsync(nameof(RememberControl_ScopedByPeerAndSurvivesReopen));
        try
        {
            Assert.False(await store.HasSeenControlAsync(Bob, "k1"));
            await store.ApplyAsync([new RememberControl(Bob, "k1"), new RememberControl(Bob, "k1")]);
            store = await ReopenAsync(store, nameof(RememberControl_ScopedByPeerAndSurvivesReopen));
            Assert.True(await store.HasSeenControlAsync(Bob, "k1"));
            Assert.False(await store.HasSeenControlAsync(Alice, "k1"));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task PeerScopedWrites_NamingAnotherPeersRows_ChangeNothing()
    {
        await using var store = await CreateAsync(nameof(PeerScopedWrites_NamingAnotherPeersRows_ChangeNothing));
        await store.ApplyAsync(
        [
            new InsertMessage(Message("a1", Alice, MessageDirection.Outgoing, 1, MessageStatus.Pending)),
            new EnqueueOutbox(new OutboxEntry("a1", Alice, [1], T0, 0, T0)),
        ]);
        await store.ApplyAsync([new SetMessageStatus(Bob, "a1", MessageStatus.Read), new RemoveOutbox(Bob, "a1"), new RemoveMessage(Bob, "a1")]);
        Assert.Equal(MessageStatus.Pending, (await store.GetMessageAsync("a1"))!.Status);
        Assert.Equal(["a1"], (await store.GetOutboxAsync(Alice)).Select(e => e.Id));
        Assert.False(await store.ContainsMessageAsync(Bob, "a1"));
        Assert.True(await store.ContainsMessageAsync(Alice, "a1"));

        await store.ApplyAsync([new SetMessageStatus(Alice, "a1", MessageStatus.Delivered), new RemoveOutbox(Alice, "a1")]);
        Assert.Equal(MessageStatus.Delivered, (await store.GetMessageAsync("a1"))!.Status);
        Assert.Empty(await store.GetOutboxAsync(Alice));
        await store.ApplyAsync([new RemoveMessage(Alice, "a1")]);
        Assert.Null(await store.GetMessageAsync("a1"));
    }

    [Fact]
    public async Task RemoveMessage_UnknownIdByOnePeer_DoesNotBlockAnotherPeersMessage()
    {
        await using var store = await CreateAsync(nameof(RemoveMessage_UnknownIdByOnePeer_DoesNotBlockAnotherPeersMessage));
        await store.ApplyAsync([new RemoveMessage(Bob, "x")]);
        await store.ApplyAsync([new InsertMessage(Message("x", Alice, MessageDirection.Incoming, 1, text: "from alice"))]);
        Assert.Equal("from alice", (await store.GetMessageAsync("x"))!.Content);
        Assert.True(await store.ContainsMessageAsync(Alice, "x"));

        // Same for a message Bob really had and deleted (found by the model property, seed 0bfBhAJ4X1N2).
        await store.ApplyAsync([new InsertMessage(Message("y", Bob, MessageDirection.Outgoing, 2)), new RemoveMessage(Bob, "y")]);
        await store.ApplyAsync([new InsertMessage(Message("y", Alice, MessageDirection.Incoming, 3, text: "alice's y"))]);
        Assert.Equal("alice's y", (await store.GetMessageAsync("y"))!.Content);
    }

    [Fact]
    public async Task InsertMessage_SameIdTwice_KeepsFirst()
    {
        await using var store = await CreateAsync(nameof(InsertMessage_SameIdTwice_KeepsFirst));
        await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1, text: "first"))]);
        await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1, text: "second"))]);
        var stored = await store.GetMessageAsync("m1");
        Assert.Equal("first", stored!.Content);
    }

    [Fact]
    public async Task GetMessages_Paging_ReturnsNewestPageOldestFirst()
    {
        await using var store = await CreateAsync(nameof(GetMessages_Paging_ReturnsNewestPageOldestFirst));
        for (var i = 0; i < 10; i++)
        {
            await store.ApplyAsync([new InsertMessage(Message($"m{i}", Bob, i % 2 == 0 ? MessageDirection.Incoming : MessageDirection.Outgoing, i))]);
        }

        await store.ApplyAsync([new InsertMessage(Message("other", Alice, MessageDirection.Incoming, 5))]);
        var page1 = await store.GetMessagesAsync(Bob, 4, null);
        Assert.Equal(["m6", "m7", "m8", "m9"], page1.Select(m => m.Id));
        var page2 = await store.GetMessagesAsync(Bob, 4, page1[0].Id);
        Assert.Equal(["m2", "m3", "m4", "m5"], page2.Select(m => m.Id));
        var page3 = await store.GetMessagesAsync(Bob, 4, page2[0].Id);
        Assert.Equal(["m0", "m1"], page3.Select(m => m.Id));
    }

    [Fact]
    public async Task GetMessages_PagingThroughSharedTimestampsAndDeletes_VisitsEveryLiveMessageOnce()
    {
        // Many messages share a millisecond (a burst, a mailbox fetch): a timestamp cursor skipped the rest of a page
        // boundary's millisecond. Checked for every page size against the arrival order.
        await using var store = await CreateAsync(nameof(GetMessages_PagingThroughSharedTimestampsAndDeletes_VisitsEveryLiveMessageOnce));
        var ids = Enumerable.Range(0, 40).Select(i => $"m{i:00}").ToList();
        foreach (var id in ids)
        {
            // Four timestamps for forty messages, arriving out of id order within each.
            await store.ApplyAsync([new InsertMessage(Message(id, Bob, MessageDirection.Incoming, ids.IndexOf(id) / 10))]);
        }

        await store.ApplyAsync([new InsertMessage(Message("other", Alice, MessageDirection.Incoming, 1))]);
        var deleted = new HashSet<string> { "m03", "m19", "m20" };
        foreach (var id in deleted)
        {
            await store.ApplyAsync([new RemoveMessage(Bob, id)]);
        }

        var expected = ids.Where(id => !deleted.Contains(id)).ToList();
        for (var size = 1; size <= 12; size++)
        {
            var seen = new List<string>();
            string? cursor = null;
            for (var pages = 0; pages < 100; pages++)
            {
                var page = await store.GetMessagesAsync(Bob, size, cursor);
                seen.InsertRange(0, page.Select(m => m.Id));
                if (page.Count < size)
                {
                    break;
                }

                cursor = page[0].Id;
                // A cursor on a message deleted after its page was read still pages on.
                if (size == 5 && pages == 1)
                {
                    await store.ApplyAsync([new RemoveMessage(Bob, cursor)]);
                    expected.Remove(cursor);
                    seen.Remove(cursor);
                }
            }

            Assert.Equal(expected, seen);
        }

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetMessagesAsync(Bob, 5, "other"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetMessagesAsync(Bob, 5, "never-stored"));
        await store.ApplyAsync([new RemoveMessage(Bob, "deleted-before-it-arrived")]);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetMessagesAsync(Bob, 5, "deleted-before-it-arrived"));
    }

    [Fact]
    public async Task GetMessages_EqualTimestamps_OrderedByArrival()
    {
        await using var store = await CreateAsync(nameof(GetMessages_EqualTimestamps_OrderedByArrival));
        foreach (var id in new[] { "c", "a", "b" })
        {
            await store.ApplyAsync([new InsertMessage(Message(id, Bob, MessageDirection.Incoming, 1))]);
        }

        Assert.Equal(["c", "a", "b"], (await store.GetMessagesAsync(Bob, 10, null)).Select(m => m.Id));
    }

    [Fact]
    public async Task Conversations_SortedByLastMessage_WithUnreadCounts()
    {
        await using var store = await CreateAsync(nameof(Conversations_SortedByLastMessage_WithUnreadCounts));
        await store.ApplyAsync(
        [
            new InsertMessage(Message("b1", Bob, MessageDirection.Incoming, 1)),
            new InsertMessage(Message("b2", Bob, MessageDirection.Incoming, 2)),
            new InsertMessage(Message("b3", Bob, MessageDirection.Outgoing, 3)),
            new InsertMessage(Message("a1", Alice, MessageDirection.Incoming, 5)),
        ]);
        await store.ApplyAsync([new SetMessageStatus(Bob, "b1", MessageStatus.Read)]);
        var conversations = await store.GetConversationsAsync();
        Assert.Equal([Alice, Bob], conversations.Select(c => c.Peer));
        Assert.Equal([1, 1], conversations.Select(c => c.UnreadCount));
        Assert.Equal("b3", conversations[1].LastMessage.Id);
        Assert.Equal(["b2"], await store.GetUnreadMessageIdsAsync(Bob));
    }

    private static readonly EndpointId[] SummaryPeers = [Alice, Bob, SecretKey.Generate().PublicKey];

    // Writes that change a conversation's summary; times are 3 * t + peer index, so two conversations never tie (their
    // order is then fully given by the messages) while messages of one conversation often do (ties go by arrival).
    private static readonly Gen<StoreOperation> SummaryWrite = Gen.OneOf<StoreOperation>(
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 4], Gen.Int[0, 3]).Select((i, p, incoming, t, st) => (StoreOperation)new InsertMessage(
            new StoredMessage("s" + i, SummaryPeers[p], incoming ? MessageDirection.Incoming : MessageDirection.Outgoing, $"text {i}/{p}/{t}",
                T0.AddSeconds(3 * t + p), i % 3 == 0 ? "s0" : null,
                i % 4 == 0 ? [new MediaAttachment("a" + i, "f.png", "image/png", i, new string('a', 64))] : [], (MessageStatus)st))),
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Int[0, 3]).Select((i, p, st) => (StoreOperation)new SetMessageStatus(SummaryPeers[p], "s" + i, (MessageStatus)st)),
        Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2]).Select((i, p) => (StoreOperation)new RemoveMessage(SummaryPeers[p], "s" + i)));

    [Fact]
    public void Conversations_AfterRandomWrites_EqualAReferenceComputedFromAllMessages() =>
        Gen.Select(SummaryWrite.Array[1, 5], Gen.Int[0, 3]).Array[1, 10].Sample(batches =>
        {
            CheckSummariesAsync(batches).GetAwaiter().GetResult();
        }, iter: 30);

    private async Task CheckSummariesAsync((StoreOperation[] Batch, int Reopen)[] batches)
    {
        var name = "summary-" + Guid.NewGuid().ToString("N");
        var store = await CreateAsync(name);
        try
        {
            foreach (var (batch, reopen) in batches)
            {
                await store.ApplyAsync(batch);
                if (reopen == 0)
                {
                    store = await ReopenAsync(store, name); // the summary is persisted, not rebuilt on open
                }

                var expected = new List<(DateTimeOffset Time, string Summary)>();
                foreach (var peer in SummaryPeers)
                {
                    var messages = await store.GetMessagesAsync(peer, int.MaxValue, null);
                    if (messages.Count > 0)
                    {
                        var unread = messages.Count(m => m.Direction == MessageDirection.Incoming && m.Status != MessageStatus.Read);
                        expected.Add((messages[^1].Timestamp, RenderSummary(new ConversationSummary(peer, messages[^1], unread))));
                    }
                }

                Assert.Equal(expected.OrderByDescending(e => e.Time).Select(e => e.Summary), (await store.GetConversationsAsync()).Select(RenderSummary));
            }
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static string RenderSummary(ConversationSummary c) =>
        $"{c.Peer}/{c.UnreadCount}/{c.LastMessage.Id}/{c.LastMessage.Peer}/{c.LastMessage.Direction}/{c.LastMessage.Content}/{c.LastMessage.Timestamp:O}/" +
        $"{c.LastMessage.ReplyTo}/{c.LastMessage.Status}/{string.Join(",", c.LastMessage.Attachments)}";

    [Fact]
    public async Task RemoveMessage_LeavesTombstone_ThatBlocksReinsertion()
    {
        await using var store = await CreateAsync(nameof(RemoveMessage_LeavesTombstone_ThatBlocksReinsertion));
        await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1))]);
        await store.ApplyAsync([new RemoveMessage(Bob, "m1"), new RemoveMessage(Bob, "never-seen")]);
        Assert.Null(await store.GetMessageAsync("m1"));
        Assert.True(await store.ContainsMessageAsync("m1"));
        Assert.True(await store.ContainsMessageAsync("never-seen"));
        Assert.True(await store.ContainsMessageAsync(Bob, "never-seen"));
        Assert.False(await store.ContainsMessageAsync(Alice, "never-seen"));
        Assert.False(await store.ContainsMessageAsync("other"));
        await store.ApplyAsync([new InsertMessage(Message("m1", Bob, MessageDirection.Incoming, 1)), new InsertMessage(Message("never-seen", Bob, MessageDirection.Incoming, 2))]);
        Assert.Null(await store.GetMessageAsync("m1"));
        Assert.Null(await store.GetMessageAsync("never-seen"));
        Assert.Empty(await store.GetMessagesAsync(Bob, 10, null));
        Assert.Empty(await store.GetConversationsAsync());
    }

    [Fact]
    public async Task Outbox_KeepsPerPeerOrder_AndAttempts_AcrossReopen()
    {
        const string name = nameof(Outbox_KeepsPerPeerOrder_AndAttempts_AcrossReopen);
        var store = await CreateAsync(name);
        for (var i = 0; i < 5; i++)
        {
            await store.ApplyAsync([new EnqueueOutbox(new OutboxEntry($"o{i}", i % 2 == 0 ? Bob : Alice, [(byte)i, 42], T0, 0, T0))]);
        }

        await store.ApplyAsync([new RecordOutboxAttempt("o2", 3, T0.AddSeconds(8)), new RemoveOutbox(Bob, "o0")]);
        store = await ReopenAsync(store, name);
        await using (store)
        {
            var bob = await store.GetOutboxAsync(Bob);
            Assert.Equal(["o2", "o4"], bob.Select(e => e.Id));
            Assert.Equal(3, bob[0].Attempts);
            Assert.Equal(T0.AddSeconds(8), bob[0].NextAttemptAt);
            Assert.Equal(new byte[] { 2, 42 }, bob[0].Payload);
            Assert.Equal(["o1", "o3"], (await store.GetOutboxAsync(Alice)).Select(e => e.Id));
            Assert.Equal(new HashSet<EndpointId> { Alice, Bob }, (await store.GetOutboxPeersAsync()).ToHashSet());
        }
    }

    [Fact]
    public async Task Sessions_PeersAndRecords_RoundTripAcrossReopen()
    {
        const string name = nameof(Sessions_PeersAndRecords_RoundTripAcrossReopen);
        var store = await CreateAsync(name);
        Assert.Null(await store.LoadSessionAsync(Bob));
        await store.ApplyAsync(
        [
            new SaveSession(Bob, [1, 2, 3]),
            new SaveSession(Bob, [4, 5]),
            new SavePeerAddress(Bob, "ticket-1"),
            new SaveRecord(new StoredRecord("call.record", "c1", Bob, T0, "{\"a\":1}"u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "c2", Alice, T0.AddMinutes(5), "{}"u8.ToArray())),
            new SaveRecord(new StoredRecord("other.kind", "c1", Alice, T0.AddMinutes(9), "[]"u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "c3", Bob, T0.AddMinutes(2), "{}"u8.ToArray())),
            new SaveRecord(new StoredRecord("call.record", "c3", Alice, T0.AddMinutes(3), "{\"replaced\":true}"u8.ToArray())),
        ]);
        store = await ReopenAsync(store, name);
        await using (store)
        {
            Assert.Equal(new byte[] { 4, 5 }, await store.LoadSessionAsync(Bob));
            Assert.Equal("ticket-1", await store.GetPeerAddressAsync(Bob));
            Assert.Null(await store.GetPeerAddressAsync(Alice));
            var calls = await store.GetRecordsAsync("call.record", null, 10, null);
            Assert.Equal(["c2", "c3", "c1"], calls.Select(c => c.Id));
            Assert.Equal(("call.record", "c1", Bob, T0, "{\"a\":1}"), (calls[2].Kind, calls[2].Id, calls[2].Peer, calls[2].Time, Encoding.UTF8.GetString(calls[2].Body)));
            Assert.Equal((Alice, "{\"replaced\":true}"), (calls[1].Peer, Encoding.UTF8.GetString(calls[1].Body))); // same kind and id: replaced
            Assert.Equal(["c1"], (await store.GetRecordsAsync("call.record", null, 10, T0.AddMinutes(1))).Select(c => c.Id));
            Assert.Equal(["c1"], (await store.GetRecordsAsync("call.record", Bob, 10, null)).Select(c => c.Id));
            Assert.Equal(["c2", "c3"], (await store.GetRecordsAsync("call.record", Alice, 10, null)).Select(c => c.Id));
            Assert.Equal(["c1", "c2", "c3", "c1"], (await store.GetRecordsAsync(null, null, 10, null)).Select(c => c.Id));
            Assert.Equal(["c1"], (await store.GetRecordsAsync(null, null, 1, null)).Select(c => c.Id));
        }
    }

    [Fact]
    public async Task Messages_WithAttachmentsAndReply_RoundTripAcrossReopen()
    {
        const string name = nameof(Messages_WithAttachmentsAndReply_RoundTripAcrossReopen);
        var store = await CreateAsync(name);
        var message = new StoredMessage("m1", Bob, MessageDirection.Outgoing, "héllo ✓", T0, "m0",
            [new MediaAttachment("a1", "cat.png", "image/png", 1234, new string('a', 64))], MessageStatus.Pending);
        await store.ApplyAsync([new InsertMessage(message), new SetMessageStatus(message.Peer, "m1", MessageStatus.Delivered)]);
        Assert.Equal(new MessageInfo("m1", Bob, MessageDirection.Outgoing, MessageStatus.Delivered), await store.GetMessageInfoAsync("m1"));
        Assert.Null(await store.GetMessageInfoAsync("nope"));
        store = await ReopenAsync(store, name);
        await using (store)
        {
            var stored = await store.GetMessageAsync("m1");
            Assert.NotNull(stored);
            Assert.Equal(message.Content, stored.Content);
            Assert.Equal("m0", stored.ReplyTo);
            Assert.Equal(MessageStatus.Delivered, stored.Status);
            Assert.Equal(message.Attachments, stored.Attachments);
        }
    }
}
