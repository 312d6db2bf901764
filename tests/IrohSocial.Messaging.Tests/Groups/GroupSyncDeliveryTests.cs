using System.Text.Json;
using IrohSocial.Crypto;
using IrohSocial.Messaging.Controls;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Internal;
using IrohSocial.Messaging.Internal.Groups;
using IrohSocial.Messaging.Storage;
using IrohSocial.Messaging.Tests.Support;

namespace IrohSocial.Messaging.Tests.Groups;

/// <summary>
/// Who gets a group log, and that nothing a handler accepted is lost (issue #21), driven deterministically: one
/// real client, its peers only keys (offline, so whatever it queues for them stays in its outbox to be read), and
/// the peers' syncs handed to the client's handler as inbound batches whose commit or failure the test decides.
/// </summary>
public sealed class GroupSyncDeliveryTests : IAsyncLifetime
{
    private long _clock = 1767268800000;
    private readonly List<TestNode> _nodes = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sync_BatchOfAnotherPeerFailsBeforeAcceptedOneCommits_AcceptedUpdateIsKept()
    {
        var (a, b, c) = (await NodeAsync("a"), await NodeAsync("b", start: false), await NodeAsync("c", start: false));
        var group = (await a.C.CreateGroupAsync("Team", [b.Address, c.Address])).Id;
        await a.C.PromoteGroupMembersAsync(group, [b.Id]);
        var renamed = Append(await StoredLogAsync(a, group), b.Key, GroupUpdateKind.Rename, "Renamed by b");
        var left = Append(renamed, c.Key, GroupUpdateKind.Leave);

        // b's batch is handled and will commit (b hears it was delivered); c's, handled after it, fails (a store
        // error) while b's commit is still under way.
        var fromB = new InboundBatch(a, b.Id);
        await fromB.HandleSyncAsync(renamed);
        var fromC = new InboundBatch(a, c.Id);
        await fromC.HandleSyncAsync(left);
        fromC.Fail();
        await a.C.GetGroupAsync(group);
        await fromB.CommitAsync();

        // b's rename was acknowledged, so it must stay (nobody sends it again); c's leave may stay too (its retry is a no-op).
        var info = (await a.C.GetGroupAsync(group))!;
        Assert.Equal("Renamed by b", info.Name);
        await a.RestartAsync();
        Assert.Equal("Renamed by b", (await a.C.GetGroupAsync(group))!.Name);
    }

    [Fact]
    public async Task Sync_OwnAddAndRemoveRebasedOnWinner_RemovedMemberGetsWinningLog()
    {
        var (a, b, c, d) = (await NodeAsync("a"), await NodeAsync("b", start: false), await NodeAsync("c", start: false), await NodeAsync("d", start: false));
        var group = (await a.C.CreateGroupAsync("Team", [b.Address, c.Address])).Id;
        var created = await StoredLogAsync(a, group);
        await a.C.AddGroupMembersAsync(group, [d.Address]);
        await a.C.RemoveGroupMembersAsync(group, [d.Id]);

        // c left concurrently: its leave outranks a's add, so a signs add and remove of d again on top of it.
        var fromC = new InboundBatch(a, c.Id);
        await fromC.HandleSyncAsync(Append(created, c.Key, GroupUpdateKind.Leave));
        await fromC.CommitAsync();

        var head = (await a.C.GetGroupAsync(group))!;
        Assert.Equal(4ul, head.Version);
        Assert.DoesNotContain(d.Id, head.Members);
        // d was added and removed by the re-signed updates: it must hear the log that removes it, as b must.
        Assert.Contains(head.StateHash, await QueuedHeadsAsync(a, d.Id));
        Assert.Contains(head.StateHash, await QueuedHeadsAsync(a, b.Id));
    }

    [Fact]
    public async Task Sync_MemberSendsLosingBranch_IsAnsweredWithWinnerOnce()
    {
        var (a, b, c) = (await NodeAsync("a"), await NodeAsync("b", start: false), await NodeAsync("c", start: false));
        var group = (await a.C.CreateGroupAsync("Team", [b.Address, c.Address])).Id;
        await a.C.PromoteGroupMembersAsync(group, [b.Id]);
        var promoted = await StoredLogAsync(a, group);
        var fromC = new InboundBatch(a, c.Id);
        await fromC.HandleSyncAsync(Append(promoted, c.Key, GroupUpdateKind.Leave));
        await fromC.CommitAsync();
        var head = (await a.C.GetGroupAsync(group))!.StateHash;
        Assert.DoesNotContain(head, await QueuedHeadsAsync(a, b.Id));

        // b renamed on the branch without c's leave, which lost: b learns the winner from a (b has no update to
        // re-sign, and c's own copy may be long gone), once however often b shows its branch.
        var losing = Append(promoted, b.Key, GroupUpdateKind.Rename, "b's name");
        for (var i = 0; i < 2; i++)
        {
            var fromB = new InboundBatch(a, b.Id);
            await fromB.HandleSyncAsync(losing);
            await fromB.CommitAsync();
        }

        Assert.Equal("Team", (await a.C.GetGroupAsync(group))!.Name);
        Assert.Single(await QueuedHeadsAsync(a, b.Id), h => h == head);

        // Once b shows us our own head, nothing more is queued for it.
        var queued = (await a.Store.GetOutboxAsync(b.Id)).Count;
        var caughtUp = new InboundBatch(a, b.Id);
        await caughtUp.HandleSyncAsync(await StoredLogAsync(a, group));
        await caughtUp.CommitAsync();
        Assert.Equal(queued, (await a.Store.GetOutboxAsync(b.Id)).Count);
    }

    private async Task<TestNode> NodeAsync(string name, bool start = true)
    {
        var node = await TestNode.CreateAsync(name, start: start);
        _nodes.Add(node);
        return node;
    }

    private GroupLog Append(GroupLog log, SecretKey author, GroupUpdateKind kind, string name = "") =>
        log.Append(GroupUpdate.Sign(author, kind, log.Id, log.Head.Hash, ++_clock, name, []), out var refusal)
            ?? throw new InvalidOperationException(refusal);

    private static async Task<GroupLog> StoredLogAsync(TestNode node, GroupId group)
    {
        var record = (await ((IGroupStore)node.Store).GetGroupsAsync()).Single(g => g.Group == group);
        var data = JsonSerializer.Deserialize(record.Data, GroupJsonContext.Default.GroupRecordData)!;
        return GroupLog.TryBuild(data.Log, out _)!;
    }

    /// <summary>The state hash at the head of every group log queued for <paramref name="peer"/>, oldest first.</summary>
    private static async Task<List<string>> QueuedHeadsAsync(TestNode node, EndpointId peer)
    {
        var heads = new List<string>();
        foreach (var entry in await node.Store.GetOutboxAsync(peer))
        {
            if (Control.Parse(entry.Payload) is ExtensionControl { Kind: "group.sync" } sync)
            {
                var body = sync.Body.Deserialize(GroupJsonContext.Default.GroupSyncBody)!;
                heads.Add(Convert.ToHexStringLower(GroupLog.TryBuild(body.Log, out _)!.Head.Hash));
            }
        }

        return heads;
    }

    /// <summary>One inbound batch from <paramref name="peer"/>, as PeerChannel runs it: handlers first, commit (or failure) later.</summary>
    private sealed class InboundBatch(TestNode node, EndpointId peer)
    {
        private readonly List<StoreOperation> _operations = [];
        private readonly List<DmEvent> _events = [];
        private readonly List<Action> _afterCommit = [];
        private readonly List<Action> _afterFailure = [];

        public async Task HandleSyncAsync(GroupLog log)
        {
            var id = Guid.NewGuid().ToString("N");
            var context = new ControlContext(peer, id, _operations, _events, _afterCommit) { AfterFailureList = _afterFailure };
            var body = new GroupSyncBody(log.Id.ToString(), log.Updates.Select(u => u.Encoded).ToList(), []);
            await node.C.HandleInboundControlAsync(context, ControlRegistry.Wrap(id, GroupKinds.Sync, body), CancellationToken.None);
        }

        public async Task CommitAsync()
        {
            await node.Store.ApplyAsync(_operations);
            _afterCommit.ForEach(action => action());
        }

        public void Fail() => _afterFailure.ForEach(action => action());
    }
}
