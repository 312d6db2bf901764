using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Tests.Storage;

/// <summary>
/// <see cref="IStoreMaintenance"/> on every store: each shipped store's own queries, and the interface's default
/// implementations (through a store that only forwards the other interfaces), must give the same answers.
/// </summary>
public abstract class StoreMaintenanceContractTests
{
    private static readonly EndpointId Alice = SecretKey.Generate().PublicKey;
    private static readonly EndpointId Bob = SecretKey.Generate().PublicKey;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<IMessagingStore> CreateAsync(string name);

    public static TheoryData<bool> Paths => new() { false, true };

    private async Task<IMessagingStore> OpenAsync(string name, bool viaDefaults)
    {
        var store = await CreateAsync(name + viaDefaults);
        return viaDefaults ? new ForwardingStore(store) : store;
    }

    private static OutboxEntry Entry(string id, EndpointId peer, int second) =>
        new(id, peer, "{}"u8.ToArray(), T0.AddSeconds(second), 0, T0.AddSeconds(second));

    private static StoredMessage Message(string id, EndpointId peer, int second) =>
        new(id, peer, MessageDirection.Outgoing, "text of " + id, T0.AddSeconds(second), null, [], MessageStatus.Pending);

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task GetAllOutbox_TwoPeers_EveryEntryEachPeerInQueueOrder(bool viaDefaults)
    {
        await using var store = await OpenAsync(nameof(GetAllOutbox_TwoPeers_EveryEntryEachPeerInQueueOrder), viaDefaults);
        await store.ApplyAsync([new EnqueueOutbox(Entry("b1", Bob, 1)), new EnqueueOutbox(Entry("a1", Alice, 2))]);
        await store.ApplyAsync([new EnqueueOutbox(Entry("b2", Bob, 3)), new EnqueueOutbox(Entry("a2", Alice, 4)), new RemoveOutbox(Alice, "a1")]);

        var all = await store.GetAllOutboxAsync();

        Assert.Equal(["a2", "b1", "b2"], all.Select(e => e.Id).Order());
        Assert.Equal(["b1", "b2"], all.Where(e => e.Peer == Bob).Select(e => e.Id));
        Assert.Equal("{}"u8.ToArray(), all.Single(e => e.Id == "a2").Payload);
        Assert.Equal(T0.AddSeconds(4), all.Single(e => e.Id == "a2").CreatedAt);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task GetAllOutbox_Empty_ReturnsNothing(bool viaDefaults)
    {
        await using var store = await OpenAsync(nameof(GetAllOutbox_Empty_ReturnsNothing), viaDefaults);

        Assert.Empty(await store.GetAllOutboxAsync());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task GetMessageIds_OnlyThatPeersLiveMessagesOldestFirst(bool viaDefaults)
    {
        await using var store = await OpenAsync(nameof(GetMessageIds_OnlyThatPeersLiveMessagesOldestFirst), viaDefaults);
        await store.ApplyAsync(
        [
            new InsertMessage(Message("b3", Bob, 3)),
            new InsertMessage(Message("b1", Bob, 1)),
            new InsertMessage(Message("b2", Bob, 2)),
            new InsertMessage(Message("a1", Alice, 1)),
        ]);
        await store.ApplyAsync([new RemoveMessage(Bob, "b2"), new RemoveMessage(Alice, "never-stored")]);

        Assert.Equal(["b1", "b3"], await store.GetMessageIdsAsync(Bob));
        Assert.Equal(["a1"], await store.GetMessageIdsAsync(Alice));
        Assert.Empty(await store.GetMessageIdsAsync(SecretKey.Generate().PublicKey));
    }

    /// <summary>Forwards everything but <see cref="IStoreMaintenance"/>, so the interface's defaults answer those.</summary>
    private sealed class ForwardingStore(IMessagingStore inner) : IMessagingStore
    {
        public ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default) => inner.ApplyAsync(operations, cancellationToken);

        public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) => inner.GetConversationsAsync(cancellationToken);

        public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default) => inner.GetPeerAddressAsync(peer, cancellationToken);

        public ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default) => inner.GetMessageAsync(messageId, cancellationToken);

        public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default) => inner.GetMessageInfoAsync(messageId, cancellationToken);

        public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default) => inner.HasSeenControlAsync(peer, controlId, cancellationToken);

        public ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default) => inner.ContainsMessageAsync(messageId, cancellationToken);
        public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default) => inner.ContainsMessageAsync(peer, messageId, cancellationToken);

        public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default) =>
            inner.GetMessagesAsync(peer, limit, beforeMessageId, cancellationToken);

        public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) => inner.GetUnreadMessageIdsAsync(peer, cancellationToken);

        public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default) => inner.GetOutboxAsync(peer, cancellationToken);

        public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default) => inner.GetOutboxPeersAsync(cancellationToken);

        public ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default) => inner.LoadSessionAsync(peer, cancellationToken);

        public ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default) =>
            inner.GetRecordsAsync(kind, peer, limit, before, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
