using IrohSocial.Crypto;
using IrohSocial.Messaging.Groups;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Storage;

/// <summary>Behaviour every <see cref="IGroupStore"/> must have; run against each implementation.</summary>
public abstract class GroupStoreContractTests
{
    protected static readonly EndpointId Me = SecretKey.Generate().PublicKey;
    protected static readonly EndpointId Bob = SecretKey.Generate().PublicKey;
    protected static readonly EndpointId Carol = SecretKey.Generate().PublicKey;
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly GroupId Team = GroupId.NewId();

    /// <summary>Creates a store that implements both interfaces; <paramref name="name"/> lets <see cref="ReopenAsync"/> reopen it.</summary>
    protected abstract Task<IMessagingStore> CreateAsync(string name);

    protected abstract Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name);

    protected static GroupMessage Outgoing(string id, int second, string text = "hello") =>
        new(id, Team, Me, MessageDirection.Outgoing, text, T0.AddSeconds(second), null, [], MessageStatus.Pending,
            new Dictionary<EndpointId, MessageStatus> { [Bob] = MessageStatus.Pending, [Carol] = MessageStatus.Pending });

    protected static GroupMessage Incoming(string id, int second, GroupId? group = null, string text = "hi") =>
        new(id, group ?? Team, Bob, MessageDirection.Incoming, text, T0.AddSeconds(second), "r0", [new MediaAttachment("a0", "f.txt", "text/plain", 3, new string('0', 64))],
            MessageStatus.Delivered, new Dictionary<EndpointId, MessageStatus>());

    [Fact]
    public async Task SaveGroup_KeepsHighestRevision_AcrossReopen()
    {
        var name = nameof(SaveGroup_KeepsHighestRevision_AcrossReopen);
        var store = await CreateAsync(name);
        await store.ApplyAsync([new SaveGroup(new GroupRecord(Team, 2, [2]))]);
        await store.ApplyAsync([new SaveGroup(new GroupRecord(Team, 1, [1]))]);
        await store.ApplyAsync([new SaveGroup(new GroupRecord(Team, 3, [3, 3]))]);
        store = await ReopenAsync(store, name);
        await using (store)
        {
            var saved = Assert.Single(await ((IGroupStore)store).GetGroupsAsync());
            Assert.Equal((Team, 3L), (saved.Group, saved.Revision));
            Assert.Equal([3, 3], saved.Data);
        }
    }

    [Fact]
    public async Task GroupMessages_PagingDuplicatesAndUnread()
    {
        await using var store = await CreateAsync(nameof(GroupMessages_PagingDuplicatesAndUnread));
        var groups = (IGroupStore)store;
        var other = GroupId.NewId();
        for (var i = 0; i < 6; i++)
        {
            await store.ApplyAsync([new InsertGroupMessage(Incoming($"m{i}", i))]);
        }

        await store.ApplyAsync([new InsertGroupMessage(Incoming("m0", 0, text: "again")), new InsertGroupMessage(Incoming("x", 1, other))]);
        var page = await groups.GetGroupMessagesAsync(Team, 3, "m5");
        Assert.Equal(["m2", "m3", "m4"], page.Select(m => m.Id));
        Assert.Equal(["m0", "m1"], (await groups.GetGroupMessagesAsync(Team, 3, "m2")).Select(m => m.Id));
        await Assert.ThrowsAsync<ArgumentException>(async () => await groups.GetGroupMessagesAsync(Team, 3, "x"));
        var first = await groups.GetGroupMessageAsync("m0");
        Assert.Equal(("hi", Bob, "r0", "f.txt"), (first!.Content, first.Sender, first.ReplyTo, first.Attachments.Single().Name));
        Assert.True(await groups.ContainsGroupMessageAsync("x"));
        Assert.False(await groups.ContainsGroupMessageAsync("nope"));

        await store.ApplyAsync([new SetGroupMessageStatus("m1", MessageStatus.Read)]);
        Assert.Equal(["m0", "m2", "m3", "m4", "m5"], (await groups.GetUnreadGroupMessagesAsync(Team)).Select(m => m.Id));
    }

    [Fact]
    public async Task GroupMessages_PagingThroughOneTimestamp_VisitsEachOnceInArrivalOrder()
    {
        await using var store = await CreateAsync(nameof(GroupMessages_PagingThroughOneTimestamp_VisitsEachOnceInArrivalOrder));
        var groups = (IGroupStore)store;
        string[] arrival = ["q", "b", "z", "a", "m"];
        foreach (var id in arrival)
        {
            await store.ApplyAsync([new InsertGroupMessage(Incoming(id, 7))]);
        }

        var seen = new List<string>();
        for (var page = await groups.GetGroupMessagesAsync(Team, 2, null); page.Count > 0; page = await groups.GetGroupMessagesAsync(Team, 2, page[0].Id))
        {
            seen.InsertRange(0, page.Select(m => m.Id));
        }

        Assert.Equal(arrival, seen);
    }

    [Fact]
    public async Task SetGroupReceipt_NeverMovesBack_AndStatusIsTheLeastAdvanced()
    {
        await using var store = await CreateAsync(nameof(SetGroupReceipt_NeverMovesBack_AndStatusIsTheLeastAdvanced));
        var groups = (IGroupStore)store;
        await store.ApplyAsync([new InsertGroupMessage(Outgoing("o1", 1))]);
        await store.ApplyAsync([new SetGroupReceipt("o1", Bob, MessageStatus.Read), new SetGroupReceipt("o1", Me, MessageStatus.Read)]);
        var afterBob = await groups.GetGroupMessageAsync("o1");
        Assert.Equal(MessageStatus.Pending, afterBob!.Status);
        Assert.Equal(MessageStatus.Read, afterBob.Receipts[Bob]);
        Assert.False(afterBob.Receipts.ContainsKey(Me));

        await store.ApplyAsync([new SetGroupReceipt("o1", Carol, MessageStatus.Delivered), new SetGroupReceipt("o1", Bob, MessageStatus.Delivered)]);
        var both = await groups.GetGroupMessageAsync("o1");
        Assert.Equal(MessageStatus.Delivered, both!.Status);
        Assert.Equal(MessageStatus.Read, both.Receipts[Bob]);
    }
}

public sealed class InMemoryGroupStoreTests : GroupStoreContractTests
{
    protected override Task<IMessagingStore> CreateAsync(string name) => Task.FromResult<IMessagingStore>(new InMemoryMessagingStore());

    protected override async Task<IMessagingStore> ReopenAsync(IMessagingStore store, string name)
    {
        await store.DisposeAsync();
        return store;
    }
}
