using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Internal.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Groups;

/// <summary>Groups between real clients on loopback: fan-out, receipts, removal, forged updates over the wire, offline members.</summary>
public sealed class GroupScenarioTests : IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task<TestNode[]> NodesAsync(int count, bool sqlite = false)
    {
        var nodes = new TestNode[count];
        for (var i = 0; i < count; i++)
        {
            nodes[i] = await TestNode.CreateAsync(((char)('a' + i)).ToString(), sqlite);
            _nodes.Add(nodes[i]);
        }

        return nodes;
    }

    private static Task WaitAsync(Func<Task<bool>> condition, string what) => Eventually.WaitAsync(condition, what, 60);

    private static async Task<bool> HasAsync(TestNode node, GroupId group, string messageId) =>
        (await node.C.GetGroupMessagesAsync(group, 1000)).Any(m => m.Id == messageId);

    private static async Task<bool> IsMemberAsync(TestNode node, GroupId group, int members) =>
        await node.C.GetGroupAsync(group) is { IsMember: true } info && info.Members.Count == members;

    [Fact]
    public async Task SendGroupMessage_ThreeMembers_EveryoneReceivesAndReceiptsArePerMember()
    {
        var (a, b, c) = await ThreeAsync();
        var delivered = new List<GroupMessageDeliveredEvent>();
        a.C.GroupMessageDelivered += (_, e) => { lock (delivered) { delivered.Add(e); } };
        var group = await a.C.CreateGroupAsync("Team", [b.Address, c.Address]);
        Assert.True(group.IsMember);
        Assert.Equal([a.Id], group.Admins);

        var id = await a.C.SendGroupMessageAsync(group.Id, "hello group");
        await WaitAsync(async () => await HasAsync(b, group.Id, id) && await HasAsync(c, group.Id, id), "b and c received");
        var atB = (await b.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == id);
        Assert.Equal(a.Id, atB.Sender);
        Assert.Equal("hello group", atB.Content);
        Assert.Equal(MessageDirection.Incoming, atB.Direction);

        await WaitAsync(async () => (await a.C.GetGroupMessagesAsync(group.Id)).Single().Status == MessageStatus.Delivered, "a's copy delivered to both");
        var sent = (await a.C.GetGroupMessagesAsync(group.Id)).Single();
        Assert.Equal(MessageStatus.Delivered, sent.Receipts[b.Id]);
        Assert.Equal(MessageStatus.Delivered, sent.Receipts[c.Id]);
        lock (delivered)
        {
            Assert.Equal(new[] { b.Id, c.Id }.Order(), delivered.Select(e => e.Peer).Order());
        }

        // b and c never exchanged tickets: the group log carried the address hints.
        var reply = await b.C.SendGroupMessageAsync(group.Id, "hi all", replyTo: id);
        await WaitAsync(async () => await HasAsync(c, group.Id, reply) && await HasAsync(a, group.Id, reply), "a and c received b's reply");
        Assert.Equal(id, (await c.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == reply).ReplyTo);

        // c reads: only the authors get receipts, and only c's entry moves.
        Assert.Equal(2, await c.C.MarkGroupReadAsync(group.Id));
        await WaitAsync(async () => (await a.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == id).Receipts[c.Id] == MessageStatus.Read, "a sees c read");
        var afterRead = (await a.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == id);
        Assert.Equal(MessageStatus.Delivered, afterRead.Receipts[b.Id]);
        Assert.Equal(MessageStatus.Delivered, afterRead.Status);

        var conversations = await c.C.GetGroupConversationsAsync();
        Assert.Equal("Team", Assert.Single(conversations).Group.Name);
        Assert.Equal(0, conversations[0].UnreadCount);
        Assert.Equal(reply, conversations[0].LastMessage!.Id);
    }

    [Fact]
    public async Task RemoveMember_RemovedStopsReceiving_AndItsLaterMessagesAreDropped()
    {
        var (a, b, c) = await ThreeAsync();
        var group = await a.C.CreateGroupAsync("Team", [b.Address, c.Address]);
        var first = await a.C.SendGroupMessageAsync(group.Id, "before");
        await WaitAsync(async () => await HasAsync(c, group.Id, first) && await HasAsync(b, group.Id, first), "everyone has the first message");
        // b talks once so c knows b's address later (it is in the hints anyway).
        var changes = new List<GroupMembershipChangedEvent>();
        c.C.GroupMembershipChanged += (_, e) => { lock (changes) { changes.Add(e); } };

        var removed = await a.C.RemoveGroupMembersAsync(group.Id, [c.Id]);
        Assert.DoesNotContain(c.Id, removed.Members);
        // The event is raised after the commit, so wait for it rather than for the state.
        await WaitAsync(() => { lock (changes) { return Task.FromResult(changes.Any(e => !e.State.IsMember)); } }, "c learns it was removed");
        Assert.False((await c.C.GetGroupAsync(group.Id))!.IsMember);
        await WaitAsync(async () => await IsMemberAsync(b, group.Id, 2), "b learns c was removed");
        lock (changes)
        {
            Assert.Contains(changes, e => e.Departed.Contains(c.Id) && e.Peer == a.Id);
        }

        var after = await a.C.SendGroupMessageAsync(group.Id, "after");
        var fromB = await b.C.SendGroupMessageAsync(group.Id, "b after");
        await WaitAsync(async () => await HasAsync(b, group.Id, after) && await HasAsync(a, group.Id, fromB), "the remaining members talk");
        Assert.Equal(0, (await a.C.FlushOutboxAsync()).Failed);
        Assert.Equal(0, (await b.C.FlushOutboxAsync()).Failed);
        Assert.False(await HasAsync(c, group.Id, after));
        Assert.False(await HasAsync(c, group.Id, fromB));
        Assert.Equal(MessageStatus.Delivered, (await a.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == after).Status);
        Assert.Equal([b.Id], (await a.C.GetGroupMessagesAsync(group.Id)).Single(m => m.Id == after).Receipts.Keys);

        var refused = await Assert.ThrowsAsync<MessagingException>(() => c.C.SendGroupMessageAsync(group.Id, "let me in"));
        Assert.Equal(MessagingError.NotGroupMember, refused.Error);

        // c forges a copy by hand: b acknowledges it (it decrypted) but drops it.
        var forged = new GroupMessageBody(group.Id.ToString(), "forged-1", "still here", 1, null, null);
        await c.C.SendControlAsync(b.Id, GroupKinds.Message, forged, ControlDelivery.Immediate);
        Assert.False(await ((IGroupStore)b.Store).ContainsGroupMessageAsync("forged-1"));
    }

    [Fact]
    public async Task ForgedUpdates_OverTheWire_Refused()
    {
        var (a, b, c) = await ThreeAsync();
        var group = await a.C.CreateGroupAsync("Team", [b.Address, c.Address]);
        await WaitAsync(async () => await IsMemberAsync(b, group.Id, 3) && await IsMemberAsync(c, group.Id, 3), "b and c joined");
        // The state is visible before the batch that carried it committed; the address hint is saved by that commit.
        await WaitAsync(async () => await b.Store.GetPeerAddressAsync(c.Id) is not null, "b knows c's address from the hints");
        var log = GroupLog.TryBuild((await LogOfAsync(a, group.Id)).ToList(), out _)!;
        using var mallory = SecretKey.Generate();

        // b is a member but no admin; a bad signature; a wrong previous hash; another create for the same id.
        var nonAdmin = GroupUpdate.Sign(b.Key, GroupUpdateKind.Add, group.Id, log.Head.Hash, 1, "", [mallory.PublicKey]);
        var badSignature = GroupUpdate.Sign(a.Key, GroupUpdateKind.Rename, group.Id, log.Head.Hash, 1, "Owned", []).Encoded;
        badSignature[^1] ^= 0x80;
        var wrongPrevious = GroupUpdate.Sign(a.Key, GroupUpdateKind.Rename, group.Id, new byte[32], 1, "Owned", []);
        var otherCreate = GroupUpdate.Sign(b.Key, GroupUpdateKind.Create, group.Id, new byte[32], 1, "Mine", [b.Id, c.Id]);
        IReadOnlyList<byte[]>[] forgeries =
        [
            [.. log.Updates.Select(u => u.Encoded), nonAdmin.Encoded],
            [.. log.Updates.Select(u => u.Encoded), badSignature],
            [.. log.Updates.Select(u => u.Encoded), wrongPrevious.Encoded],
            [otherCreate.Encoded],
        ];
        foreach (var forged in forgeries)
        {
            await b.C.SendControlAsync(c.Id, GroupKinds.Sync, new GroupSyncBody(group.Id.ToString(), forged, null), ControlDelivery.Immediate);
        }

        var atC = await c.C.GetGroupAsync(group.Id);
        Assert.Equal("Team", atC!.Name);
        Assert.Equal(Convert.ToHexStringLower(log.Head.Hash), atC.StateHash);
        Assert.Equal(4, c.Logs.Entries.Count(e => e.Id.Id == 4050));
        // And the API refuses what the rules refuse.
        var notAdmin = await Assert.ThrowsAsync<MessagingException>(() => b.C.RenameGroupAsync(group.Id, "Mine"));
        Assert.Equal(MessagingError.GroupUpdateRefused, notAdmin.Error);
    }

    [Fact]
    public async Task OfflineMember_GetsLogAndMessagesThroughOutbox_AfterRestart()
    {
        var (a, b, c) = await ThreeAsync(sqlite: true);
        await c.StopAsync();
        var group = await a.C.CreateGroupAsync("Team", [b.Address, c.Address]);
        var id = await a.C.SendGroupMessageAsync(group.Id, "while you were away");
        await WaitAsync(() => HasAsync(b, group.Id, id), "b received");
        await b.RestartAsync();
        await c.StartAsync();
        a.C.AddPeer(c.Address);
        await WaitAsync(() => HasAsync(c, group.Id, id), "c received after coming back");
        Assert.True(await IsMemberAsync(c, group.Id, 3));
        // b's SQLite store kept the group across its restart.
        Assert.True(await IsMemberAsync(b, group.Id, 3));
        var fromB = await b.C.SendGroupMessageAsync(group.Id, "welcome back");
        await WaitAsync(() => HasAsync(c, group.Id, fromB), "c received b's message");
    }

    [Fact]
    public async Task LeaveAndTyping_MembersSeeBoth()
    {
        var (a, b, c) = await ThreeAsync();
        var group = await a.C.CreateGroupAsync("Team", [b.Address, c.Address]);
        await WaitAsync(async () => await IsMemberAsync(b, group.Id, 3) && await IsMemberAsync(c, group.Id, 3), "joined");
        await WaitAsync(async () => await b.Store.GetPeerAddressAsync(c.Id) is not null, "b knows c's address from the hints");
        var typing = new TaskCompletionSource<GroupTypingEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        c.C.GroupTyping += (_, e) => typing.TrySetResult(e);
        Assert.Equal(2, await b.C.SendGroupTypingAsync(group.Id));
        var seen = await typing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((b.Id, group.Id), (seen.Peer, seen.Group));

        var left = await b.C.LeaveGroupAsync(group.Id);
        Assert.False(left.IsMember);
        await WaitAsync(async () => await IsMemberAsync(a, group.Id, 2) && await IsMemberAsync(c, group.Id, 2), "a and c see b leave");
        var id = await c.C.SendGroupMessageAsync(group.Id, "bye b");
        await WaitAsync(() => HasAsync(a, group.Id, id), "a received");
        Assert.Equal(0, (await c.C.FlushOutboxAsync()).Failed);
        Assert.False(await HasAsync(b, group.Id, id));
    }

    [Fact]
    public async Task SendGroupMessage_WithAttachment_EveryOnlineMemberGetsTheVerifiedBytes_OfflineOneIsReported()
    {
        var nodes = await NodesAsync(4);
        var (a, b, c, d) = (nodes[0], nodes[1], nodes[2], nodes[3]);
        var group = await a.C.CreateGroupAsync("Files", [b.Address, c.Address, d.Address]);
        await WaitAsync(async () => await IsMemberAsync(d, group.Id, 4), "d joined");
        await d.StopAsync();
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31)).ToArray();

        var missed = await Assert.ThrowsAsync<MessagingException>(() =>
            a.C.SendGroupMessageAsync(group.Id, "the plan", [AttachmentSource.FromBytes("plan.bin", "application/octet-stream", bytes)]));
        Assert.Equal(MessagingError.PeerUnreachable, missed.Error);
        Assert.Contains("1 member(s)", missed.Message);

        foreach (var member in new[] { b, c })
        {
            await member.Events.WaitUntilAsync(e => e.Of<AttachmentReceivedEvent>().Count == 1, what: member.Name + " got the attachment");
            var received = member.Events.Of<AttachmentReceivedEvent>().Single();
            Assert.Equal(a.Id, received.Peer);
            // Kept sealed at rest: the bytes come back through the client.
            Assert.False(File.ReadAllBytes(received.Path).AsSpan().SequenceEqual(bytes));
            await using (var stream = await member.C.OpenAttachmentAsync(received.Peer, received.MessageId, received.Attachment.Id))
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy);
                Assert.Equal(bytes, copy.ToArray());
            }

            var message = (await member.C.GetGroupMessagesAsync(group.Id)).Single();
            Assert.Equal(received.MessageId, message.Id);
            Assert.Equal("plan.bin", message.Attachments.Single().Name);
        }

        // The text still reaches the member that was away.
        await d.StartAsync();
        a.C.AddPeer(d.Address);
        await WaitAsync(async () => (await d.C.GetGroupMessagesAsync(group.Id)).Any(m => m.Content == "the plan"), "d got the text later");
    }

    [Fact]
    public async Task ConcurrentAdminChanges_BothTakeEffect()
    {
        var nodes = await NodesAsync(4);
        var (a, b, c, d) = (nodes[0], nodes[1], nodes[2], nodes[3]);
        var group = await a.C.CreateGroupAsync("Team", [b.Address]);
        await a.C.PromoteGroupMembersAsync(group.Id, [b.Id]);
        await WaitAsync(async () => await b.C.GetGroupAsync(group.Id) is { Admins.Count: 2 }, "b is admin");
        // Both admins change the same version at once: one wins the fork, the other re-signs on top of it.
        await Task.WhenAll(a.C.AddGroupMembersAsync(group.Id, [c.Address]), b.C.AddGroupMembersAsync(group.Id, [d.Address]));
        await WaitAsync(async () =>
        {
            var states = await Task.WhenAll(nodes.Select(n => n.C.GetGroupAsync(group.Id)));
            return states.All(s => s is { IsMember: true, Members.Count: 4 }) && states.Select(s => s!.StateHash).Distinct().Count() == 1;
        }, "all four converge on four members");
    }

    private async Task<(TestNode A, TestNode B, TestNode C)> ThreeAsync(bool sqlite = false)
    {
        var nodes = await NodesAsync(3, sqlite);
        return (nodes[0], nodes[1], nodes[2]);
    }

    private static async Task<IReadOnlyList<byte[]>> LogOfAsync(TestNode node, GroupId group)
    {
        var record = (await ((IGroupStore)node.Store).GetGroupsAsync()).Single(g => g.Group == group);
        return System.Text.Json.JsonSerializer.Deserialize(record.Data, GroupJsonContext.Default.GroupRecordData)!.Log;
    }
}
