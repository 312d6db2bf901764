using IrohSocial.Crypto;
using IrohSocial.Messaging.Storage;

namespace IrohSocial.Messaging.Search;

/// <summary>
/// The store as the client sees it: every call goes to the app's store, and each committed batch is shown to the
/// search index afterwards, so messages sent, received, imported or deleted through the client are searchable
/// (or gone) without the index ever touching the disk. Optional store interfaces (such as <see cref="IGroupStore"/>)
/// are looked up on <see cref="Inner"/>, never on this wrapper.
/// </summary>
internal sealed class SearchIndexingStore(IMessagingStore inner, int denseMatches = MessageSearchIndex.DefaultDenseMatches) : IMessagingStore
{
    /// <summary>The app's store.</summary>
    public IMessagingStore Inner { get; } = inner;

    /// <summary>The index fed by this store's writes.</summary>
    public MessageSearch Search { get; } = new(inner, denseMatches);

    public async ValueTask ApplyAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        await Inner.ApplyAsync(operations, cancellationToken).ConfigureAwait(false);
        Search.Observe(operations);
    }

    public ValueTask<IReadOnlyList<ConversationSummary>> GetConversationsAsync(CancellationToken cancellationToken = default) =>
        Inner.GetConversationsAsync(cancellationToken);

    public ValueTask<string?> GetPeerAddressAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        Inner.GetPeerAddressAsync(peer, cancellationToken);

    public ValueTask<StoredMessage?> GetMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        Inner.GetMessageAsync(messageId, cancellationToken);

    public ValueTask<MessageInfo?> GetMessageInfoAsync(string messageId, CancellationToken cancellationToken = default) =>
        Inner.GetMessageInfoAsync(messageId, cancellationToken);

    public ValueTask<bool> HasSeenControlAsync(EndpointId peer, string controlId, CancellationToken cancellationToken = default) =>
        Inner.HasSeenControlAsync(peer, controlId, cancellationToken);

    // Forwarded explicitly: the interface's default implementations would hide the app store's one-query versions.
    ValueTask<IReadOnlyList<OutboxEntry>> IStoreMaintenance.GetAllOutboxAsync(CancellationToken cancellationToken) =>
        ((IStoreMaintenance)Inner).GetAllOutboxAsync(cancellationToken);

    ValueTask<IReadOnlyList<string>> IStoreMaintenance.GetMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken) =>
        ((IStoreMaintenance)Inner).GetMessageIdsAsync(peer, cancellationToken);

    public ValueTask<bool> ContainsMessageAsync(string messageId, CancellationToken cancellationToken = default) =>
        Inner.ContainsMessageAsync(messageId, cancellationToken);

    public ValueTask<bool> ContainsMessageAsync(EndpointId peer, string messageId, CancellationToken cancellationToken = default) =>
        Inner.ContainsMessageAsync(peer, messageId, cancellationToken);

    public ValueTask<IReadOnlyList<StoredMessage>> GetMessagesAsync(EndpointId peer, int limit, string? beforeMessageId, CancellationToken cancellationToken = default) =>
        Inner.GetMessagesAsync(peer, limit, beforeMessageId, cancellationToken);

    public ValueTask<IReadOnlyList<string>> GetUnreadMessageIdsAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        Inner.GetUnreadMessageIdsAsync(peer, cancellationToken);

    public ValueTask<IReadOnlyList<OutboxEntry>> GetOutboxAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        Inner.GetOutboxAsync(peer, cancellationToken);

    public ValueTask<IReadOnlyList<EndpointId>> GetOutboxPeersAsync(CancellationToken cancellationToken = default) =>
        Inner.GetOutboxPeersAsync(cancellationToken);

    public ValueTask<byte[]?> LoadSessionAsync(EndpointId peer, CancellationToken cancellationToken = default) =>
        Inner.LoadSessionAsync(peer, cancellationToken);

    public ValueTask<IReadOnlyList<StoredRecord>> GetRecordsAsync(string? kind, EndpointId? peer, int limit, DateTimeOffset? before, CancellationToken cancellationToken = default) =>
        Inner.GetRecordsAsync(kind, peer, limit, before, cancellationToken);

    /// <summary>Does nothing: the app owns its store and disposes it after the client.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
